#!/usr/bin/env python3
"""Changes the size of the Xvfb screen on $DISPLAY, as a rotated or re-plugged
monitor would: `screen-size.py 800x1280`.

`xrandr` cannot do this on Xvfb: its one output offers only the screen's
starting size, and a mode made with `xrandr --newmode` is freed when xrandr
exits. So this makes the mode, adds it to the output and switches to it,
keeping its resources after it exits (RetainPermanent; start Xvfb with
-noreset). The new size must fit in the size Xvfb was started with.
Only libX11 and libXrandr, which GTK already needs, through ctypes.
"""
import ctypes
import sys
from ctypes import POINTER, Structure, byref, c_char_p, c_int, c_uint, c_ulong, c_ushort, c_void_p


class ModeInfo(Structure):
    _fields_ = [
        ("id", c_ulong), ("width", c_uint), ("height", c_uint), ("dotClock", c_ulong),
        ("hSyncStart", c_uint), ("hSyncEnd", c_uint), ("hTotal", c_uint), ("hSkew", c_uint),
        ("vSyncStart", c_uint), ("vSyncEnd", c_uint), ("vTotal", c_uint),
        ("name", c_char_p), ("nameLength", c_uint), ("modeFlags", c_ulong),
    ]


class Resources(Structure):
    _fields_ = [
        ("timestamp", c_ulong), ("configTimestamp", c_ulong),
        ("ncrtc", c_int), ("crtcs", POINTER(c_ulong)),
        ("noutput", c_int), ("outputs", POINTER(c_ulong)),
        ("nmode", c_int), ("modes", POINTER(ModeInfo)),
    ]


RETAIN_PERMANENT = 1
RR_ROTATE_0 = 1
MM_PER_PIXEL = 0.2646  # 96 dpi

x11 = ctypes.CDLL("libX11.so.6")
xrandr = ctypes.CDLL("libXrandr.so.2")
x11.XOpenDisplay.restype = c_void_p
x11.XOpenDisplay.argtypes = [c_char_p]
x11.XDefaultRootWindow.restype = c_ulong
x11.XDefaultRootWindow.argtypes = [c_void_p]
x11.XSetCloseDownMode.argtypes = [c_void_p, c_int]
x11.XSync.argtypes = [c_void_p, c_int]
x11.XCloseDisplay.argtypes = [c_void_p]
xrandr.XRRGetScreenResourcesCurrent.restype = POINTER(Resources)
xrandr.XRRGetScreenResourcesCurrent.argtypes = [c_void_p, c_ulong]
xrandr.XRRCreateMode.restype = c_ulong
xrandr.XRRCreateMode.argtypes = [c_void_p, c_ulong, POINTER(ModeInfo)]
xrandr.XRRAddOutputMode.argtypes = [c_void_p, c_ulong, c_ulong]
xrandr.XRRSetCrtcConfig.argtypes = [
    c_void_p, POINTER(Resources), c_ulong, c_ulong, c_int, c_int, c_ulong, c_ushort, POINTER(c_ulong), c_int,
]
xrandr.XRRSetScreenSize.argtypes = [c_void_p, c_ulong, c_int, c_int, c_int, c_int]
xrandr.XRRGetScreenSizeRange.argtypes = [c_void_p, c_ulong] + [POINTER(c_int)] * 4


def main() -> None:
    width, height = (int(n) for n in sys.argv[1].split("x"))
    display = x11.XOpenDisplay(None)
    if not display:
        sys.exit("screen-size.py: cannot open $DISPLAY")
    root = x11.XDefaultRootWindow(display)
    x11.XSetCloseDownMode(display, RETAIN_PERMANENT)
    min_w, min_h, max_w, max_h = c_int(), c_int(), c_int(), c_int()
    xrandr.XRRGetScreenSizeRange(display, root, byref(min_w), byref(min_h), byref(max_w), byref(max_h))
    if width > max_w.value or height > max_h.value:
        sys.exit(f"screen-size.py: {width}x{height} does not fit in Xvfb's {max_w.value}x{max_h.value}")
    resources = xrandr.XRRGetScreenResourcesCurrent(display, root).contents
    name = f"{width}x{height}".encode()
    mode = next((resources.modes[i].id for i in range(resources.nmode) if resources.modes[i].name == name), None)
    output = resources.outputs[0]
    if mode is None:
        info = ModeInfo(width=width, height=height, dotClock=60 * width * height, hSyncStart=width, hSyncEnd=width,
                        hTotal=width, vSyncStart=height, vSyncEnd=height, vTotal=height, name=name, nameLength=len(name))
        mode = xrandr.XRRCreateMode(display, root, byref(info))
        xrandr.XRRAddOutputMode(display, output, mode)
        x11.XSync(display, 0)
        resources = xrandr.XRRGetScreenResourcesCurrent(display, root).contents
    # The output's mode must fit the screen at every step: grow the screen
    # to its largest (which holds both the old and the new mode), switch,
    # then shrink it to the new mode.
    xrandr.XRRSetScreenSize(display, root, max_w.value, max_h.value, round(max_w.value * MM_PER_PIXEL),
                            round(max_h.value * MM_PER_PIXEL))
    status = xrandr.XRRSetCrtcConfig(display, byref(resources), resources.crtcs[0], 0, 0, 0, mode, RR_ROTATE_0,
                                     byref(c_ulong(output)), 1)
    if status != 0:
        sys.exit(f"screen-size.py: the X server refused {width}x{height} (status {status})")
    xrandr.XRRSetScreenSize(display, root, width, height, round(width * MM_PER_PIXEL), round(height * MM_PER_PIXEL))
    x11.XSync(display, 0)
    x11.XCloseDisplay(display)


if __name__ == "__main__":
    main()
