/**
 * EChart with the heatmap and visual map registered (the shared component bundles bar and pie only).
 * Load with React.lazy.
 */
import * as echarts from 'echarts/core';
import { HeatmapChart as Heatmap } from 'echarts/charts';
import { DataZoomComponent, VisualMapComponent } from 'echarts/components';
import EChart, { type EChartOption } from '../../components/EChart';

echarts.use([Heatmap, VisualMapComponent, DataZoomComponent]);

export type { EChartOption };
export default EChart;
