import { useEffect, useRef } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { Level, OrgNode } from '../types';
import { LEVEL_STYLE } from './orgStyle';

const SELECTED: L.PathOptions = { color: '#cf1322', weight: 4, fillColor: '#ff4d4f', fillOpacity: 0.3, dashArray: undefined };
const DRAW_ORDER: Level[] = ['street', 'community', 'estate', 'grid'];

interface Props {
  nodes: OrgNode[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** an XYZ tile URL; without one the polygons are drawn on a plain background */
  tileUrl?: string;
  height?: number | string;
}

/**
 * The district's boundaries (GeoJSON polygons in GCJ-02 lng/lat) drawn with Leaflet. No tile
 * server is needed: without `tileUrl` the map is a plain background with the polygons.
 */
export default function OrgMap({ nodes, selectedId, onSelect, tileUrl, height = 480 }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layers = useRef(new Map<string, L.Path>());
  const onSelectRef = useRef(onSelect);

  useEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, minZoom: 10, maxZoom: 19 });
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(m);
    m.setView([28.16, 112.97], 14);
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
    };
  }, [tileUrl]);

  // (Re)draws the polygons when the node list changes.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const group = L.featureGroup();
    const byId = layers.current;
    byId.clear();
    const sorted = [...nodes].filter((n) => n.geometry && LEVEL_STYLE[n.level]).sort((a, b) => DRAW_ORDER.indexOf(a.level) - DRAW_ORDER.indexOf(b.level));
    for (const n of sorted) {
      const feature: Feature<Geometry, { id: string }> = { type: 'Feature', geometry: n.geometry as Geometry, properties: { id: n.id } };
      const fc: FeatureCollection = { type: 'FeatureCollection', features: [feature] };
      L.geoJSON(fc, { style: () => LEVEL_STYLE[n.level] ?? {} }).eachLayer((layer) => {
        const path = layer as L.Path;
        path.bindTooltip(n.name, { sticky: true, direction: 'top' });
        path.on('click', () => onSelectRef.current(n.id));
        group.addLayer(path);
        byId.set(n.id, path);
      });
    }
    group.addTo(m);
    if (sorted.length) m.fitBounds(group.getBounds(), { padding: [16, 16] });
    return () => {
      group.remove();
    };
  }, [nodes]);

  // Highlights the selected node and brings it into view.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const nodeById = new Map(nodes.map((n) => [n.id, n]));
    for (const [id, path] of layers.current) {
      const n = nodeById.get(id);
      if (!n) continue;
      path.setStyle({ ...(LEVEL_STYLE[n.level] ?? {}), ...(id === selectedId ? SELECTED : {}) });
    }
    const sel = selectedId ? layers.current.get(selectedId) : undefined;
    if (sel) {
      sel.bringToFront();
      const b = (sel as L.Polygon).getBounds?.();
      if (b?.isValid()) m.flyToBounds(b, { padding: [24, 24], duration: 0.4, maxZoom: 17 });
    }
  }, [selectedId, nodes]);

  return <div ref={el} className="og-map" style={{ height }} data-testid="org-map" />;
}
