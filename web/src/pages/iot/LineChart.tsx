/**
 * EChart with the line chart and zoom slider registered (the shared component bundles bar and pie
 * only). Load with React.lazy.
 */
import * as echarts from 'echarts/core';
import { LineChart as Line } from 'echarts/charts';
import { DataZoomComponent, MarkLineComponent } from 'echarts/components';
import EChart, { type EChartOption } from '../../components/EChart';

echarts.use([Line, DataZoomComponent, MarkLineComponent]);

export type { EChartOption };
export default EChart;
