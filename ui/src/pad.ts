// The signature pad: signature_pad does the drawing (pointer, touch and pen,
// with smoothing); this wrapper adds what a kiosk needs on top of it.
//
// - High-DPI: the canvas has devicePixelRatio pixels per CSS pixel.
// - A resize or rotation rescales the strokes to the new size and redraws
//   them, instead of the canvas being wiped by the resize.
// - Pad units are the pad's CSS pixels at the time of submitting; the core
//   only sees {width, height, strokes: [[{x, y}]]}. Time and pressure, which
//   are behavioural biometrics, never leave the webview.
import SignaturePad, { type PointGroup } from 'signature_pad';

export interface PadJson {
  width: number;
  height: number;
  strokes: { x: number; y: number }[][];
}

export class Pad {
  readonly pad: SignaturePad;
  private size = { width: 0, height: 0 };
  private readonly observer: ResizeObserver;

  constructor(readonly canvas: HTMLCanvasElement, onStroke: () => void) {
    this.pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 3.2, penColor: '#0b1a33', throttle: 8 });
    this.pad.addEventListener('beginStroke', onStroke);
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(canvas);
    this.fit();
  }

  /** Sizes the backing store to the element and rescales what is drawn. */
  fit(): void {
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0 || height === 0 || (width === this.size.width && height === this.size.height)) return;
    const data = this.pad.toData();
    const old = this.size;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.getContext('2d')?.scale(ratio, ratio);
    this.size = { width, height };
    if (old.width > 0 && data.length > 0) {
      this.pad.fromData(scaleStrokes(data, width / old.width, height / old.height));
    } else {
      this.pad.clear();
    }
  }

  isEmpty(): boolean {
    return this.pad.isEmpty();
  }

  undo(): void {
    const data = this.pad.toData();
    data.pop();
    this.pad.fromData(data);
  }

  clear(): void {
    this.pad.clear();
  }

  /** What the core receives. */
  toJson(): PadJson {
    return padJson(this.pad.toData(), this.size);
  }

  destroy(): void {
    this.observer.disconnect();
    this.pad.off();
  }
}

export function scaleStrokes(data: PointGroup[], sx: number, sy: number): PointGroup[] {
  return data.map((group) => ({ ...group, points: group.points.map((p) => ({ ...p, x: p.x * sx, y: p.y * sy })) }));
}

export function padJson(data: PointGroup[], size: { width: number; height: number }): PadJson {
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    width: size.width,
    height: size.height,
    strokes: data.map((group) => group.points.map((p) => ({ x: round(p.x), y: round(p.y) }))),
  };
}
