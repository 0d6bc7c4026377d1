// Server-side rendering of one ECharts option to a static SVG string (no DOM, no animation).
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, VisualMapComponent } from "echarts/components";
import { init, use, type EChartsCoreOption } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { FONT_FAMILY, INK_MUTED } from "./theme.js";

use([
  LineChart, BarChart, HeatmapChart, CustomChart, ScatterChart,
  GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, VisualMapComponent, SVGRenderer,
]);

export interface ChartSize {
  width: number;
  height: number;
}

/** Renders `option` at `size` to an `<svg>` string with ECharts' SSR mode, and disposes the chart. */
export function renderSvg(option: EChartsCoreOption, size: ChartSize): string {
  const chart = init(null, null, { renderer: "svg", ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({
      animation: false,
      useUTC: true,
      textStyle: { fontFamily: FONT_FAMILY, color: INK_MUTED },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
