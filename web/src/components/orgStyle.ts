import type { PathOptions } from 'leaflet';
import type { Level } from '../types';

/** How each level is drawn on the map. */
export const LEVEL_STYLE: Partial<Record<Level, PathOptions>> = {
  street: { color: '#595959', weight: 3, fill: false, dashArray: '8 6' },
  community: { color: '#1677ff', weight: 3, fillColor: '#1677ff', fillOpacity: 0.04 },
  estate: { color: '#389e0d', weight: 2, fillColor: '#52c41a', fillOpacity: 0.06, dashArray: '5 4' },
  grid: { color: '#d46b08', weight: 1.5, fillColor: '#fa8c16', fillOpacity: 0.12 },
};
