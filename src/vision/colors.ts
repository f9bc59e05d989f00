/**
 * Colour tables and conversions for DetectLabels' DominantColors: the CSS named colours, the
 * simplified colour of each, sRGB -> CIE Lab, and nearest named colour.
 *
 * What Rekognition returns (observed in real responses): `HexCode` is lowercase with a leading
 * '#', and Red/Green/Blue/HexCode are the RGB of the *named CSS colour*, not the raw cluster mean
 * (e.g. `{ Red: 47, Green: 79, Blue: 79, HexCode: "#2f4f4f", CSSColor: "darkslategrey",
 * SimplifiedColor: "grey" }`). Where CSS has two spellings of one colour Rekognition was seen to
 * use "gray" for #808080 but "darkslategrey" and "dimgrey" for the compound names; we keep one
 * name per RGB value following that pattern (and "cyan", "magenta" over "aqua", "fuchsia").
 *
 * Rekognition documents "one of 12 simplified color names" without listing them; eleven are the
 * basic colour terms (black, white, grey, red, orange, yellow, green, blue, purple, pink, brown)
 * and the twelfth is assumed here to be "teal". The simplified colour of each CSS colour is
 * assigned by hand below (hue family, with the pale tints counted as white and the low-chroma
 * slate greys as grey, as Rekognition does for darkslategrey).
 */

/** A dominant colour in internal camelCase form (wire names: Red, Green, Blue, HexCode, CSSColor, SimplifiedColor, PixelPercent). */
export interface ColorResult {
  red: number;
  green: number;
  blue: number;
  /** '#rrggbb', lowercase as Rekognition sends it. */
  hexCode: string;
  cssColor: string;
  simplifiedColor: SimplifiedColor;
  /** Share of the region's pixels, 0-100. */
  pixelPercent: number;
}

export const SIMPLIFIED_COLORS = Object.freeze([
  'black',
  'white',
  'grey',
  'red',
  'orange',
  'yellow',
  'green',
  'teal',
  'blue',
  'purple',
  'pink',
  'brown',
] as const);
export type SimplifiedColor = (typeof SIMPLIFIED_COLORS)[number];

export interface CssColor {
  readonly name: string;
  readonly red: number;
  readonly green: number;
  readonly blue: number;
  readonly hexCode: string;
  readonly simplified: SimplifiedColor;
  /** CIE L*a*b* (D65) of the colour. */
  readonly lab: readonly [number, number, number];
}

/** name, hex, simplified colour. One entry per distinct RGB value (139 colours). */
const CSS_TABLE: readonly (readonly [string, string, SimplifiedColor])[] = [
  ['aliceblue', 'f0f8ff', 'white'],
  ['antiquewhite', 'faebd7', 'white'],
  ['aquamarine', '7fffd4', 'teal'],
  ['azure', 'f0ffff', 'white'],
  ['beige', 'f5f5dc', 'white'],
  ['bisque', 'ffe4c4', 'white'],
  ['black', '000000', 'black'],
  ['blanchedalmond', 'ffebcd', 'white'],
  ['blue', '0000ff', 'blue'],
  ['blueviolet', '8a2be2', 'purple'],
  ['brown', 'a52a2a', 'brown'],
  ['burlywood', 'deb887', 'brown'],
  ['cadetblue', '5f9ea0', 'teal'],
  ['chartreuse', '7fff00', 'green'],
  ['chocolate', 'd2691e', 'brown'],
  ['coral', 'ff7f50', 'orange'],
  ['cornflowerblue', '6495ed', 'blue'],
  ['cornsilk', 'fff8dc', 'white'],
  ['crimson', 'dc143c', 'red'],
  ['cyan', '00ffff', 'teal'],
  ['darkblue', '00008b', 'blue'],
  ['darkcyan', '008b8b', 'teal'],
  ['darkgoldenrod', 'b8860b', 'brown'],
  ['darkgrey', 'a9a9a9', 'grey'],
  ['darkgreen', '006400', 'green'],
  ['darkkhaki', 'bdb76b', 'yellow'],
  ['darkmagenta', '8b008b', 'purple'],
  ['darkolivegreen', '556b2f', 'green'],
  ['darkorange', 'ff8c00', 'orange'],
  ['darkorchid', '9932cc', 'purple'],
  ['darkred', '8b0000', 'red'],
  ['darksalmon', 'e9967a', 'orange'],
  ['darkseagreen', '8fbc8f', 'green'],
  ['darkslateblue', '483d8b', 'purple'],
  ['darkslategrey', '2f4f4f', 'grey'],
  ['darkturquoise', '00ced1', 'teal'],
  ['darkviolet', '9400d3', 'purple'],
  ['deeppink', 'ff1493', 'pink'],
  ['deepskyblue', '00bfff', 'blue'],
  ['dimgrey', '696969', 'grey'],
  ['dodgerblue', '1e90ff', 'blue'],
  ['firebrick', 'b22222', 'red'],
  ['floralwhite', 'fffaf0', 'white'],
  ['forestgreen', '228b22', 'green'],
  ['gainsboro', 'dcdcdc', 'grey'],
  ['ghostwhite', 'f8f8ff', 'white'],
  ['gold', 'ffd700', 'yellow'],
  ['goldenrod', 'daa520', 'yellow'],
  ['gray', '808080', 'grey'],
  ['green', '008000', 'green'],
  ['greenyellow', 'adff2f', 'green'],
  ['honeydew', 'f0fff0', 'white'],
  ['hotpink', 'ff69b4', 'pink'],
  ['indianred', 'cd5c5c', 'red'],
  ['indigo', '4b0082', 'purple'],
  ['ivory', 'fffff0', 'white'],
  ['khaki', 'f0e68c', 'yellow'],
  ['lavender', 'e6e6fa', 'white'],
  ['lavenderblush', 'fff0f5', 'white'],
  ['lawngreen', '7cfc00', 'green'],
  ['lemonchiffon', 'fffacd', 'yellow'],
  ['lightblue', 'add8e6', 'blue'],
  ['lightcoral', 'f08080', 'pink'],
  ['lightcyan', 'e0ffff', 'white'],
  ['lightgoldenrodyellow', 'fafad2', 'white'],
  ['lightgrey', 'd3d3d3', 'grey'],
  ['lightgreen', '90ee90', 'green'],
  ['lightpink', 'ffb6c1', 'pink'],
  ['lightsalmon', 'ffa07a', 'orange'],
  ['lightseagreen', '20b2aa', 'teal'],
  ['lightskyblue', '87cefa', 'blue'],
  ['lightslategrey', '778899', 'grey'],
  ['lightsteelblue', 'b0c4de', 'blue'],
  ['lightyellow', 'ffffe0', 'white'],
  ['lime', '00ff00', 'green'],
  ['limegreen', '32cd32', 'green'],
  ['linen', 'faf0e6', 'white'],
  ['magenta', 'ff00ff', 'pink'],
  ['maroon', '800000', 'red'],
  ['mediumaquamarine', '66cdaa', 'teal'],
  ['mediumblue', '0000cd', 'blue'],
  ['mediumorchid', 'ba55d3', 'purple'],
  ['mediumpurple', '9370db', 'purple'],
  ['mediumseagreen', '3cb371', 'green'],
  ['mediumslateblue', '7b68ee', 'purple'],
  ['mediumspringgreen', '00fa9a', 'green'],
  ['mediumturquoise', '48d1cc', 'teal'],
  ['mediumvioletred', 'c71585', 'pink'],
  ['midnightblue', '191970', 'blue'],
  ['mintcream', 'f5fffa', 'white'],
  ['mistyrose', 'ffe4e1', 'white'],
  ['moccasin', 'ffe4b5', 'white'],
  ['navajowhite', 'ffdead', 'white'],
  ['navy', '000080', 'blue'],
  ['oldlace', 'fdf5e6', 'white'],
  ['olive', '808000', 'green'],
  ['olivedrab', '6b8e23', 'green'],
  ['orange', 'ffa500', 'orange'],
  ['orangered', 'ff4500', 'red'],
  ['orchid', 'da70d6', 'purple'],
  ['palegoldenrod', 'eee8aa', 'yellow'],
  ['palegreen', '98fb98', 'green'],
  ['paleturquoise', 'afeeee', 'teal'],
  ['palevioletred', 'db7093', 'pink'],
  ['papayawhip', 'ffefd5', 'white'],
  ['peachpuff', 'ffdab9', 'white'],
  ['peru', 'cd853f', 'brown'],
  ['pink', 'ffc0cb', 'pink'],
  ['plum', 'dda0dd', 'purple'],
  ['powderblue', 'b0e0e6', 'blue'],
  ['purple', '800080', 'purple'],
  ['rebeccapurple', '663399', 'purple'],
  ['red', 'ff0000', 'red'],
  ['rosybrown', 'bc8f8f', 'brown'],
  ['royalblue', '4169e1', 'blue'],
  ['saddlebrown', '8b4513', 'brown'],
  ['salmon', 'fa8072', 'pink'],
  ['sandybrown', 'f4a460', 'orange'],
  ['seagreen', '2e8b57', 'green'],
  ['seashell', 'fff5ee', 'white'],
  ['sienna', 'a0522d', 'brown'],
  ['silver', 'c0c0c0', 'grey'],
  ['skyblue', '87ceeb', 'blue'],
  ['slateblue', '6a5acd', 'purple'],
  ['slategrey', '708090', 'grey'],
  ['snow', 'fffafa', 'white'],
  ['springgreen', '00ff7f', 'green'],
  ['steelblue', '4682b4', 'blue'],
  ['tan', 'd2b48c', 'brown'],
  ['teal', '008080', 'teal'],
  ['thistle', 'd8bfd8', 'purple'],
  ['tomato', 'ff6347', 'red'],
  ['turquoise', '40e0d0', 'teal'],
  ['violet', 'ee82ee', 'purple'],
  ['wheat', 'f5deb3', 'white'],
  ['white', 'ffffff', 'white'],
  ['whitesmoke', 'f5f5f5', 'white'],
  ['yellow', 'ffff00', 'yellow'],
  ['yellowgreen', '9acd32', 'green'],
];

// ---- sRGB -> CIE Lab (D65) --------------------------------------------------------------------

/** sRGB 8-bit value -> linear light, 0..1. */
export const SRGB_TO_LINEAR: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const c = i / 255;
    t[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  return t;
})();

const XN = 0.95047;
const ZN = 1.08883;
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

const labF = (t: number): number => (t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116);

/**
 * Writes L*a*b* of an sRGB colour (components 0..255, may be fractional) into `out[o..o+2]`.
 * Fractional inputs are linearised with the exact formula; integers use the lookup table.
 */
export function rgbToLab(r: number, g: number, b: number, out: Float32Array | number[], o = 0): void {
  const lr = linear(r);
  const lg = linear(g);
  const lb = linear(b);
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / XN;
  const y = 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / ZN;
  const fx = labF(x);
  const fy = labF(y);
  const fz = labF(z);
  out[o] = 116 * fy - 16;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
}

function linear(v: number): number {
  if (Number.isInteger(v) && v >= 0 && v <= 255) return SRGB_TO_LINEAR[v]!;
  const c = Math.min(255, Math.max(0, v)) / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

// ---- the palette ------------------------------------------------------------------------------

export const CSS_COLORS: readonly CssColor[] = Object.freeze(
  CSS_TABLE.map(([name, hex, simplified]) => {
    const red = parseInt(hex.slice(0, 2), 16);
    const green = parseInt(hex.slice(2, 4), 16);
    const blue = parseInt(hex.slice(4, 6), 16);
    const lab = [0, 0, 0];
    rgbToLab(red, green, blue, lab);
    return Object.freeze({ name, red, green, blue, hexCode: `#${hex}`, simplified, lab: Object.freeze([lab[0]!, lab[1]!, lab[2]!] as const) });
  }),
);

/** Palette Lab values packed for the nearest-colour search. */
const PALETTE_LAB: Float32Array = (() => {
  const t = new Float32Array(CSS_COLORS.length * 3);
  CSS_COLORS.forEach((c, i) => t.set(c.lab, i * 3));
  return t;
})();

/** Index into CSS_COLORS of the named colour nearest to a Lab colour (CIE76 distance). */
export function nearestCssColorIndex(L: number, a: number, b: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0, o = 0; i < CSS_COLORS.length; i++, o += 3) {
    const dL = L - PALETTE_LAB[o]!;
    const da = a - PALETTE_LAB[o + 1]!;
    const db = b - PALETTE_LAB[o + 2]!;
    const d = dL * dL + da * da + db * db;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The named CSS colour nearest to an sRGB colour. */
export function nearestCssColor(red: number, green: number, blue: number): CssColor {
  const lab = [0, 0, 0];
  rgbToLab(red, green, blue, lab);
  return CSS_COLORS[nearestCssColorIndex(lab[0]!, lab[1]!, lab[2]!)]!;
}

/** '#rrggbb' (lowercase) of an RGB triple; components are rounded and clamped to 0..255. */
export function hexCode(red: number, green: number, blue: number): string {
  const h = (v: number) => Math.min(255, Math.max(0, Math.round(v))).toString(16).padStart(2, '0');
  return `#${h(red)}${h(green)}${h(blue)}`;
}
