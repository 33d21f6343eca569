"""Screenshot test: the Chronus editor opened by a real host on a real X display.

DawDreamer (JUCE) loads the VST3 bundle and opens its editor window the way a DAW does;
this script waits for the window, lets it render, captures it with ImageMagick's `import`,
closes it through the window manager, and checks the picture is the editor and not a
blank or black window: its size, its number of distinct colours, how much of it differs
from the background, and the editor theme's colours (editor/src/ui/theme.rs).

Needs a display with a window manager (tests/hosts/screenshot.sh starts Xvfb + openbox),
`xdotool` and ImageMagick. Exit status 0 when every check passed; the PNG is kept either
way (--out) so a failure can be looked at.

    python screenshot.py --vst3 target/bundled/Chronus.vst3 --out target/screenshot/editor.png
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

# DawDreamer titles its editor window "DawDreamer: <plugin name>".
WINDOW_NAME = "DawDreamer: Chronus"
SIZE_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../plugin/src/gui/size.rs")
MIN_COLOURS = 64  # a blank, black or single-widget window has far fewer
MIN_BUSY_SHARE = 0.05  # share of pixels that are not the most common colour
TOLERANCE = 3  # per channel, for the theme colours below

# Colours the editor paints in large solid areas (editor/src/ui/theme.rs), and the least
# number of pixels of each expected in a picture of the default patch.
THEME = {
    "canvas background (CANVAS_BG)": ((0x14, 0x16, 0x1B), 20_000),
    "panel background (PANEL_BG)": ((0x1B, 0x1E, 0x24), 5_000),
    "module body (NODE_BODY)": ((0x26, 0x2A, 0x33), 2_000),
    "accent: title, macro knobs (ACCENT)": ((0xF2, 0xC1, 0x4E), 300),
    "source title bar (saw, square, noise)": ((0xE8, 0x8A, 0x3D), 200),
    "filter title bar (biquad)": ((0xA0, 0x7A, 0xF0), 100),
}


def open_editor(bundle):
    """Child mode: loads the plugin and shows its editor; returns when the window closes.
    JUCE insists on its message thread, which is this process's main thread."""
    import dawdreamer

    engine = dawdreamer.RenderEngine(48000, 512)
    plugin = engine.make_plugin_processor("chronus", bundle)
    print("plugin loaded; opening the editor", flush=True)
    plugin.open_editor()
    print("editor closed", flush=True)


def xdotool(*args, timeout=10):
    out = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=timeout)
    return out.stdout.split()


def find_window(host, timeout):
    """The id of the visible window named WINDOW_NAME, or None after `timeout` seconds or
    when the host process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and host.poll() is None:
        ids = xdotool("search", "--onlyvisible", "--name", "^%s$" % WINDOW_NAME)
        if ids:
            return ids[-1]
        time.sleep(0.2)
    return None


def close(host, window):
    """Closes the editor as a user does (Alt+F4 through the window manager). A failure if
    the host hangs (killed after 10 s) or crashes on a signal. A plain non-zero exit is
    reported but not counted: JUCE inside a Python module installs no X error handler, so
    Xlib's default one ends DawDreamer when JUCE asks after the window manager's frame it
    has just lost (BadWindow in X_QueryTree, about 4 closes in 10 here)."""
    xdotool("windowactivate", "--sync", window, "key", "--clearmodifiers", "alt+F4")
    try:
        host.wait(timeout=10)
    except subprocess.TimeoutExpired:
        host.kill()
        host.wait()
        return "the host did not return from open_editor() within 10 s of Alt+F4 (killed)"
    if host.returncode < 0:
        return "the host crashed (signal %d) when the editor closed" % -host.returncode
    return None


def expected_size():
    """A new instance's window size: DEFAULT_SIZE in plugin/src/gui/size.rs (logical
    pixels, which are device pixels on Xvfb's 96 dpi screen)."""
    with open(SIZE_SOURCE) as f:
        found = re.search(r"DEFAULT_SIZE: \(u32, u32\) = \((\d+), (\d+)\)", f.read())
    if not found:
        raise SystemExit("FAIL: no DEFAULT_SIZE in %s" % SIZE_SOURCE)
    return int(found.group(1)), int(found.group(2))


def pixels(png):
    """The picture as an (height, width, 3) uint8 array, decoded by ImageMagick."""
    size = subprocess.run(["identify", "-format", "%w %h", png], capture_output=True, text=True, check=True)
    width, height = map(int, size.stdout.split())
    raw = subprocess.run(["convert", png, "-depth", "8", "rgb:-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def check(png):
    """Findings on the picture (list of failures, list of measurements)."""
    img = pixels(png)
    height, width = img.shape[:2]
    flat = img.reshape(-1, 3).astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    top = counts.argmax()
    busy = 1.0 - counts[top] / packed.size
    notes = [
        "%dx%d px" % (width, height),
        "%d distinct colours" % colours.size,
        "most common colour #%06x covers %.1f %%" % (colours[top], 100.0 * (1 - busy)),
    ]
    failures = []
    if (width, height) != expected_size():
        failures.append("window is %dx%d, expected %dx%d" % (width, height, *expected_size()))
    if colours.size < MIN_COLOURS:
        failures.append("only %d distinct colours (< %d): blank or not drawn" % (colours.size, MIN_COLOURS))
    if busy < MIN_BUSY_SHARE:
        failures.append("%.1f %% of the pixels differ from the background (< %.0f %%)" % (100 * busy, 100 * MIN_BUSY_SHARE))
    for name, (rgb, least) in THEME.items():
        near = np.all(np.abs(img.astype(np.int16) - np.array(rgb, dtype=np.int16)) <= TOLERANCE, axis=2)
        count = int(near.sum())
        notes.append("%s #%02x%02x%02x: %d px" % (name, *rgb, count))
        if count < least:
            failures.append("%s #%02x%02x%02x: %d px (< %d)" % (name, *rgb, count, least))
    return failures, notes


def capture(host, args):
    """Waits for the editor, captures it until the picture passes (the first frames may
    still be drawing) or `args.timeout` runs out, closes it: (failures, measurements,
    seconds until the window showed or None)."""
    start = time.monotonic()
    window = find_window(host, args.timeout)
    if window is None:
        status = host.poll()
        if status is None:
            host.kill()
            host.wait()
        why = "timed out" if status is None else "the host exited first (status %d)" % status
        return ["no window named %r within %.0f s: %s" % (WINDOW_NAME, args.timeout, why)], [], None
    opened = time.monotonic() - start
    try:
        for attempt in range(1, 100):
            time.sleep(args.settle)
            subprocess.run(["import", "-window", window, args.out], check=True, timeout=30)
            failures, notes = check(args.out)
            if not failures or time.monotonic() - start > args.timeout:
                break
        notes.append("good picture %.1f s after the window showed (capture %d)" % (time.monotonic() - start - opened, attempt))
    finally:
        closed = close(host, window)
    notes.append("host exit status after Alt+F4: %s" % host.returncode)
    if closed:
        failures.append(closed)
    return failures, notes, opened


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vst3", required=True, help="path to Chronus.vst3")
    parser.add_argument("--out", required=True, help="where to write the PNG")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a good picture")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to let it render before a capture")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    bundle = os.path.abspath(args.vst3)
    if args.child:
        open_editor(bundle)
        return 0
    if not os.environ.get("DISPLAY"):
        print("FAIL: no DISPLAY (run tests/hosts/screenshot.sh, which starts Xvfb)")
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    start = time.monotonic()
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--vst3", bundle, "--out", args.out]
    with tempfile.TemporaryFile("w+") as log:
        host = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        failures, notes, opened = capture(host, args)
        log.seek(0)
        host_log = log.read()[-3000:]
    if opened is not None:
        print("editor window opened in %.1f s; captured to %s" % (opened, args.out))
    for note in notes:
        print("  " + note)
    for failure in failures:
        print("FAIL: " + failure)
    if failures or host.returncode:
        print("--- host log (tail) ---\n" + host_log)
    if failures:
        return 1
    print("screenshot test passed (%.1f s)" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
