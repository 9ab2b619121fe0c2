// The signature pad: signature_pad does the drawing (pointer, touch and pen,
// with smoothing); this wrapper adds what a kiosk needs on top of it.
//
// - High-DPI: the canvas has devicePixelRatio pixels per CSS pixel.
// - A resize or rotation refits the strokes to the new size and redraws
//   them, instead of the canvas being wiped by the resize. The pad fills the
//   screen's free room, so a rotation changes its shape: the strokes are
//   scaled evenly and centred, never stretched.
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
      this.pad.fromData(refitStrokes(data, old, this.size));
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

interface Size {
  width: number;
  height: number;
}

/** Strokes drawn on a pad of size `from`, fitted into a pad of size `to`:
 *  one scale for both axes (the largest that keeps the old pad's area
 *  inside the new one), centred. A resize that keeps the shape keeps each
 *  point at the same place on the pad. */
export function refitStrokes(data: PointGroup[], from: Size, to: Size): PointGroup[] {
  const scale = Math.min(to.width / from.width, to.height / from.height);
  const dx = (to.width - from.width * scale) / 2;
  const dy = (to.height - from.height * scale) / 2;
  return data.map((group) => ({ ...group, points: group.points.map((p) => ({ ...p, x: p.x * scale + dx, y: p.y * scale + dy })) }));
}

export function padJson(data: PointGroup[], size: Size): PadJson {
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    width: size.width,
    height: size.height,
    strokes: data.map((group) => group.points.map((p) => ({ x: round(p.x), y: round(p.y) }))),
  };
}
