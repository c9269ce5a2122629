/**
 * What Ink draws of a line: one placeholder character, not the line. Ink turns every character it writes into an
 * object (its ANSI tokenizer, a styled cell for each, a string again for each row of its grid): at 120×40 that was
 * half of the JavaScript time of a frame and much of its garbage. A line (views/Line.tsx) is one cell for Ink, a
 * character of Unicode's private use area that stands for it; the output layer (views/screen.ts `translate`, and
 * tests through `expand`) puts the line in its place.
 *
 * A placeholder stands for one line's text for as long as that text is drawn: the same text gets the same placeholder
 * from frame to frame (Ink writes nothing when nothing changed), and a new text never gets a placeholder that the
 * frames still on screen use (Ink compares each frame with the one before only). Nothing from the kernel ever reaches
 * Ink as text: comm and file names are in the lines, which are put in place after Ink and never read again.
 */

/** Unicode's private use area in the Basic Multilingual Plane: one UTF-16 unit each. */
const FIRST = 0xe000;
const COUNT = 0x1900;
/** Placeholders kept (most recently drawn first out last): dozens of frames of lines that all change. */
const KEEP = 2048;
const PLACEHOLDER = /[\uE000-\uF8FF]/g;
/** Blanks at the end of a row, unstyled: Ink leaves none (it trims each row), nor does this. */
const TRAILING = / +(?=\n|$)/g;

export class Placeholders {
  private readonly byText = new Map<string, string>();
  private readonly byChar = new Map<string, string>();
  private next = 0;

  /** The placeholder for a line. */
  of(text: string): string {
    let ch = this.byText.get(text);
    if (ch !== undefined) {
      // Most recently drawn last: the first in the map is the one to give up.
      this.byText.delete(text);
      this.byText.set(text, ch);
      return ch;
    }
    if (this.byText.size >= KEEP) {
      const [oldText, oldCh] = this.byText.entries().next().value as [string, string];
      this.byText.delete(oldText);
      this.byChar.delete(oldCh);
    }
    do ch = String.fromCharCode(FIRST + (this.next++ % COUNT));
    while (this.byChar.has(ch));
    this.byText.set(text, ch);
    this.byChar.set(ch, text);
    return ch;
  }

  /**
   * Ink's output with every placeholder replaced by its line (the styles Ink put around the placeholder stay around
   * the line), and no blanks at the ends of rows. One pass: a line's own text is never read for placeholders.
   */
  expand(output: string): string {
    return output.replace(PLACEHOLDER, (ch: string) => this.byChar.get(ch) ?? ch).replace(TRAILING, '');
  }
}

/** The console's placeholders: Line draws them, the output layer expands them. */
export const placeholders = new Placeholders();
