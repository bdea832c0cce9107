/**
 * Renders a vega-lite spec on the server: compiled to vega by `vega-lite`, drawn to SVG by `vega`
 * (headless, no browser or canvas), rasterised to PNG by `@resvg/resvg-js`.
 */
import { Resvg } from '@resvg/resvg-js';
import type * as Vega from 'vega';
// The package's types by path: this project's moduleResolution (node) ignores `exports`.
import type * as VegaLite from 'vega-lite/build/index';
import type { ReportFont } from './fonts';

export interface RenderedChart {
  svg: string;
  png: Buffer;
  width: number;
  height: number;
}

/** PNG pixels per SVG pixel: sharp on a high-density screen and in the docs. */
const PNG_SCALE = 2;

// vega and vega-lite are ES modules with top-level await, which CommonJS `require` cannot load:
// they are imported dynamically, once.
let libraries: Promise<{ vega: typeof Vega; vegaLite: typeof VegaLite }> | undefined;
function loadLibraries() {
  const vegaLiteModule: string = 'vega-lite'; // by name: its types are not resolvable as a module here
  libraries ??= Promise.all([import('vega'), import(vegaLiteModule) as Promise<typeof VegaLite>]).then(([vega, vegaLite]) => ({
    vega,
    vegaLite,
  }));
  return libraries;
}

export async function renderChart(spec: VegaLite.TopLevelSpec, font: ReportFont): Promise<RenderedChart> {
  const { vega, vegaLite } = await loadLibraries();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      background: 'white',
      // Only the chosen file: scanning every system font costs more than the whole render.
      font: {
        fontFiles: font.file ? [font.file] : [],
        loadSystemFonts: false,
        defaultFontFamily: font.family,
        sansSerifFamily: font.family,
      },
    });
    const image = resvg.render();
    return { svg, png: image.asPng(), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}
