/**
 * The font resvg draws the PNGs' text with. resvg reads no font configuration of its own, so the
 * report looks for a TrueType sans font where Debian/Ubuntu (`fonts-dejavu-core`,
 * `fonts-liberation`), Fedora and macOS keep them; `STAR_REPORT_FONT` names one explicitly.
 * Without any font the PNGs are drawn without text, so the caller warns.
 */
import { existsSync } from 'node:fs';
import { BadInputError } from '../core/errors';

const CANDIDATES: Required<ReportFont>[] = [
  { file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans' },
  { file: '/usr/share/fonts/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans' },
  { file: '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', family: 'DejaVu Sans' },
  { file: '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', family: 'Liberation Sans' },
  { file: '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf', family: 'Liberation Sans' },
  { file: '/System/Library/Fonts/Supplemental/Arial.ttf', family: 'Arial' },
  { file: '/Library/Fonts/Arial.ttf', family: 'Arial' },
];

export interface ReportFont {
  /** The font file, or undefined when none was found. */
  file?: string;
  /** Its family name (what the charts' text asks for falls back to it); with STAR_REPORT_FONT, unknown. */
  family?: string;
}

export class ReportFontError extends BadInputError {
  override name = 'ReportFontError';
}

export function reportFont(env: NodeJS.ProcessEnv = process.env): ReportFont {
  const chosen = env.STAR_REPORT_FONT;
  if (chosen) {
    if (!existsSync(chosen))
      throw new ReportFontError(`STAR_REPORT_FONT is ${chosen}, which does not exist: point it at a .ttf or .otf file, or unset it`);
    return { file: chosen };
  }
  return CANDIDATES.find((font) => existsSync(font.file)) ?? {};
}

export const NO_FONT_ADVICE =
  'no TrueType font found, so the PNGs have no text: install one (Debian/Ubuntu: `apt-get install fonts-dejavu-core`) or set STAR_REPORT_FONT to a .ttf file';
