/**
 * The district's boundaries with points on top (devices, or a picked location), drawn with Leaflet
 * and no tile server, in the same style as components/OrgMap (which has no way to add markers).
 * Load with React.lazy.
 */
import { useEffect, useRef } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Feature, Geometry } from 'geojson';
import type { Level, OrgNode } from '../../types';
import { LEVEL_STYLE } from '../../components/orgStyle';

export interface MapPoint {
  id: string;
  lng: number;
  lat: number;
  color: string;
  label: string;
  /** a larger, pulsing-free but thicker ring (devices with active alarms) */
  emphasis?: boolean;
}

interface Props {
  nodes: OrgNode[];
  points: MapPoint[];
  onPointClick?: (id: string) => void;
  /** clicking the map (not a point) reports the location */
  onPick?: (p: { lng: number; lat: number }) => void;
  height?: number | string;
  testId?: string;
}

const DRAW_ORDER: Level[] = ['street', 'community', 'estate', 'grid'];

export default function DeviceMap({ nodes, points, onPointClick, onPick, height = 480, testId = 'device-map' }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const cb = useRef({ onPointClick, onPick });
  const fitted = useRef(false);

  useEffect(() => {
    cb.current = { onPointClick, onPick };
  }, [onPointClick, onPick]);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, minZoom: 10, maxZoom: 19 });
    m.setView([28.155, 112.975], 14);
    m.on('click', (e: L.LeafletMouseEvent) => cb.current.onPick?.({ lng: Math.round(e.latlng.lng * 1e6) / 1e6, lat: Math.round(e.latlng.lat * 1e6) / 1e6 }));
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const group = L.featureGroup();
    const sorted = nodes.filter((n) => n.geometry && LEVEL_STYLE[n.level]).sort((a, b) => DRAW_ORDER.indexOf(a.level) - DRAW_ORDER.indexOf(b.level));
    for (const n of sorted) {
      const f: Feature<Geometry> = { type: 'Feature', geometry: n.geometry as Geometry, properties: {} };
      L.geoJSON(f, { style: () => ({ ...(LEVEL_STYLE[n.level] ?? {}), interactive: !!onPick }) }).eachLayer((layer) => {
        const p = layer as L.Path;
        if (n.level === 'grid') p.bindTooltip(n.name, { sticky: true, direction: 'top' });
        // a click on a polygon is a click on the map (for picking a point)
        p.on('click', (e: L.LeafletMouseEvent) => m.fire('click', e));
        group.addLayer(p);
      });
    }
    group.addTo(m);
    if (sorted.length && !fitted.current) {
      m.fitBounds(group.getBounds(), { padding: [16, 16] });
      fitted.current = true;
    }
    return () => {
      group.remove();
    };
  }, [nodes, onPick]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const group = L.featureGroup();
    for (const p of points) {
      const mk = L.circleMarker([p.lat, p.lng], { radius: p.emphasis ? 10 : 7, color: '#fff', weight: 2, fillColor: p.color, fillOpacity: 0.95, className: 'og-device-marker' });
      mk.bindTooltip(p.label, { direction: 'top', offset: [0, -6] });
      mk.on('click', (e: L.LeafletMouseEvent) => {
        L.DomEvent.stopPropagation(e);
        cb.current.onPointClick?.(p.id);
      });
      group.addLayer(mk);
    }
    group.addTo(m);
    return () => {
      group.remove();
    };
  }, [points]);

  return <div ref={el} className="og-map" style={{ height }} data-testid={testId} />;
}
