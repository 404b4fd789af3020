import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { usePrefs } from '../prefs';

echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type EChartOption = echarts.EChartsCoreOption;

/**
 * A chart from an ECharts option. Only the chart types registered above are bundled; load this
 * module with React.lazy so pages without charts do not download ECharts.
 */
export default function EChart({ option, height = 280, ariaLabel }: { option: EChartOption; height?: number; ariaLabel?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  // Large-text mode enlarges the chart's labels too.
  const { largeText } = usePrefs();
  useEffect(() => {
    chart.current?.setOption({ textStyle: { fontSize: largeText ? 16 : 12 }, ...option }, { notMerge: true });
  }, [option, largeText]);

  return <div ref={el} style={{ width: '100%', height }} role="img" aria-label={ariaLabel} />;
}
