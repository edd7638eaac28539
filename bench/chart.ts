// Charts for the benchmarks, drawn on the server: a Vega-Lite spec compiled to Vega, rendered to
// SVG without a browser or a canvas, then to PNG by resvg (a Rust renderer shipped prebuilt). No
// native build step: `npm ci` is enough.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Series {
  /** The panel's title, its y axis too. */
  title: string;
  /** A log scale for the y axis (latencies that spike). */
  log?: boolean;
  /** One row per point: t (seconds), series (its name in the legend), value. */
  points: { t: number; series: string; value: number }[];
}

/** Panels stacked one above the other, sharing the time axis; written as PNG to `file`. */
export async function drawTimeSeries(file: string, title: string, panels: Series[]): Promise<void> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, fontSize: 14 },
    background: 'white',
    config: { font: 'DejaVu Sans' },
    // Each panel its own legend; one time axis for all.
    resolve: { scale: { color: 'independent', x: 'shared' } },
    vconcat: panels.map((p) => ({
      width: 720,
      height: 150,
      title: p.title,
      data: { values: p.points },
      mark: { type: 'line' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'seconds since the platform started' },
        y: { field: 'value', type: 'quantitative', title: null, ...(p.log ? { scale: { type: 'log' as const } } : {}) },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } },
      },
    })),
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 1.5 } }).render().asPng();
  writeFileSync(file, png);
}
