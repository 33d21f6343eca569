"""Chronus in real third-party hosts: the VST3 bundle loaded by pedalboard (Spotify) and
DawDreamer, both JUCE-based hosts that load plugins the way DAWs do.

Every (host, check) cell runs in its own subprocess, so a plugin that crashes or aborts
fails that cell instead of the whole run. Prints a host x check matrix and exits non-zero
if any cell failed.

    python check_hosts.py --vst3 target/bundled/Chronus.vst3           # the matrix
    python check_hosts.py --vst3 ... --run pedalboard pitch_level       # one cell

The checks use the default patch (what a user hears first) with the host's macros:
macro 1 = filter cutoff, 4 = release, 10 = sub oscillator level, 16 = output level.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import juce_state  # noqa: E402
import measure  # noqa: E402

SR = 48000
BLOCK = 512
GAIN_MIN_DB, GAIN_MAX_DB = -60.0, 12.0
MACRO_NAMES = ["Macro %d" % i for i in range(1, 17)]


# ---------------------------------------------------------------------------- hosts


def _pedalboard():
    """pedalboard, told to skip nice-plug's hidden MIDI-mapping params when it builds its
    Python parameter dictionary.

    A VST3 plugin can only receive MIDI CCs and pitch bend through parameters, so
    nice-plug adds 16 x 130 hidden, read-only ones ("MIDI Ch. 1 CC 1", ...; DAWs hide them).
    pedalboard's Python layer probes every parameter's text 1001 times to guess its range:
    ~30 s per instance here. pedalboard already skips JUCE's own equivalents ("MIDI CC ...")
    for exactly this reason; this adds nice-plug's naming of the same params to that list.
    The plugin, its parameters and the JUCE hosting code are untouched (the `params` check
    still sees all 2097 through the host's C++ parameter list)."""
    import re

    import pedalboard
    from pedalboard import _pedalboard

    _pedalboard.PARAMETER_NAME_REGEXES_TO_IGNORE.add(
        re.compile(r"MIDI Ch\. \d+ (CC \d+|Channel Pressure|Pitch Bend)$")
    )
    return pedalboard


class PedalboardInstance:
    """One plugin instance in pedalboard. Renders reset the plugin first (pedalboard's
    default), as a DAW does when playback starts."""

    def __init__(self, bundle, sample_rate, block):
        self.plugin = _pedalboard().load_plugin(bundle)
        self.sample_rate, self.block = sample_rate, block

    def _param(self, name):
        return next(p for p in self.plugin._parameters if p.name == name)

    def params(self):
        """Every parameter the host sees (its C++ list), with the host's automatable flag."""
        return [
            {
                "name": p.name,
                "label": p.label or "",
                "text": p.string_value,
                "automatable": p.is_automatable,
            }
            for p in self.plugin._parameters
        ]

    def python_names(self):
        """The keys of pedalboard's parameter dictionary (name + unit, as users see them)."""
        return list(self.plugin.parameters.keys())

    def text_round_trip(self, name, raw):
        """Host text for `raw`, parsed back by the plugin, shown again."""
        p = self._param(name)
        text = p.get_text_for_raw_value(raw)
        back = p.get_raw_value_for_text(text + (p.label or ""))
        return text, back, p.get_text_for_raw_value(back)

    def set_param(self, name, raw):
        self._param(name).raw_value = raw

    def render(self, notes, seconds):
        msgs = []
        for key, velocity, start, end in notes:
            msgs.append((bytes([0x90, key, velocity]), start))
            msgs.append((bytes([0x80, key, 0]), end))
        msgs.sort(key=lambda m: m[1])
        return self.plugin(
            msgs,
            duration=seconds,
            sample_rate=self.sample_rate,
            num_channels=2,
            buffer_size=self.block,
            reset=True,
        )

    def get_state(self):
        return bytes(self.plugin.raw_state)

    def set_state(self, state):
        self.plugin.raw_state = state


class DawDreamerInstance:
    """One plugin instance in its own DawDreamer render engine."""

    counter = 0

    def __init__(self, bundle, sample_rate, block):
        import dawdreamer

        DawDreamerInstance.counter += 1
        self.sample_rate, self.block = sample_rate, block
        self.engine = dawdreamer.RenderEngine(sample_rate, block)
        self.proc = self.engine.make_plugin_processor(
            "chronus%d" % DawDreamerInstance.counter, bundle
        )
        self.engine.load_graph([(self.proc, [])])

    def params(self):
        out = []
        for d in self.proc.get_parameters_description():
            out.append(
                {
                    "name": d["name"],
                    "label": d["label"],
                    "text": d["text"],
                    "automatable": d["isAutomatable"],
                    "index": d["index"],
                }
            )
        return out

    def index(self, name):
        return next(p["index"] for p in self.params() if p["name"] == name)

    def set_param(self, name, raw):
        self.proc.set_parameter(self.index(name), raw)

    def text(self, name):
        return self.proc.get_parameter_text(self.index(name))

    def automate(self, name, curve):
        assert self.proc.set_automation(self.index(name), np.asarray(curve, dtype=np.float32))

    def render(self, notes, seconds):
        self.proc.clear_midi()
        for key, velocity, start, end in notes:
            self.proc.add_midi_note(key, velocity, start, end - start)
        self.engine.render(seconds)
        return np.asarray(self.proc.get_audio())

    def get_state(self):
        """The state as JUCE hands it out (same wrapping as pedalboard's raw_state)."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "state.bin")
            self.proc.save_state(path)
            with open(path, "rb") as f:
                return f.read()

    def set_state(self, state):
        """Loads a state the way a DAW loads a `.vstpreset`: the component state goes to
        the plugin through IComponent::setState. DawDreamer's own `load_state` insists on
        opening the plugin's editor (none yet), so it cannot be used. DawDreamer also owns
        every parameter value and re-sends it each block, so, like a DAW restoring its
        automation lanes, its values are then set from the state's saved params."""
        try:
            component = juce_state.unwrap(state)[1]
        except ValueError:
            component = state  # not a JUCE state: hand the bytes over as they are
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "state.vstpreset")
            with open(path, "wb") as f:
                f.write(juce_state.vstpreset(component))
            loaded = self.proc.load_vst3_preset(path)
        if not loaded:
            raise RuntimeError("the host refused the state")
        saved = json.loads(component)["params"]
        for name, key, to_raw in [("Gain", "gain", gain_raw)] + [
            ("Macro %d" % i, "macro%d" % i, lambda v: v) for i in range(1, 17)
        ]:
            if key in saved:
                self.set_param(name, to_raw(saved[key]["f32"]))


HOSTS = {"pedalboard": PedalboardInstance, "dawdreamer": DawDreamerInstance}


class Host:
    """Makes instances of one host's kind."""

    def __init__(self, name, bundle):
        self.name, self.bundle = name, bundle

    def new(self, sample_rate=SR, block=BLOCK):
        return HOSTS[self.name](self.bundle, sample_rate, block)


def gain_raw(db):
    return (db - GAIN_MIN_DB) / (GAIN_MAX_DB - GAIN_MIN_DB)


def seconds(x, a, b, sample_rate=SR):
    """Samples of `x` between `a` and `b` seconds."""
    return x[int(a * sample_rate) : int(b * sample_rate)]


def assert_clean(audio):
    assert audio.ndim == 2 and audio.shape[0] == 2, "stereo out, got shape %s" % (audio.shape,)
    assert np.all(np.isfinite(audio)), "non-finite samples"
    tiny = np.abs(audio)[(audio != 0)]
    assert not np.any(tiny < np.finfo(np.float32).tiny), "subnormal samples"


# --------------------------------------------------------------------------- checks

A4 = [(69, 100, 0.05, 1.2)]


def check_load(host):
    inst = host.new()
    audio = inst.render(A4, 0.5)
    assert_clean(audio)
    assert measure.rms(audio[0]) > 1e-3, "a note sounds"
    return "loads; instrument, stereo out, a note sounds"


def check_params(host):
    inst = host.new()
    params = inst.params()
    visible = [p for p in params if p["automatable"]]
    names = [p["name"] for p in visible]
    assert names == ["Gain"] + MACRO_NAMES, "automatable params: %s" % names
    gain, macros = visible[0], visible[1:]
    assert gain["label"].strip() == "dB" and gain["text"] == "0.00", gain
    for m in macros:
        assert m["label"].strip() == "%" and m["text"] == "50.0", m
    detail = "Gain (dB) + Macro 1..16 (%%); %d hidden MIDI-mapping params" % (
        len(params) - len(visible)
    )
    if isinstance(inst, PedalboardInstance):
        keys = inst.python_names()
        # pedalboard lists hidden parameters too: the editor's "Patch edits" counter.
        visible_keys = [k for k in keys if k != "patch_edits"]
        assert visible_keys == ["gain_db"] + ["macro_%d" % i for i in range(1, 17)], keys
        detail += "; python names gain_db, macro_1..16"
        for name, raw in [("Gain", 0.25), ("Gain", 0.9), ("Macro 3", 0.123), ("Macro 16", 1.0)]:
            text, back, again = inst.text_round_trip(name, raw)
            assert again == text and abs(back - raw) < 1e-3, (name, raw, text, back, again)
        detail += "; host text -> value -> text round-trips"
    else:
        inst.set_param("Gain", gain_raw(-6.0))
        inst.set_param("Macro 3", 0.25)
        assert inst.text("Gain") == "-6.00" and inst.text("Macro 3") == "25.0"
        detail += "; values show as text (-6.00 dB, 25.0 %)"
    return detail


def check_pitch_level(host):
    results = []
    for key, expected in [(69, 440.0), (57, 220.0), (76, 440.0 * 2 ** (7 / 12))]:
        inst = host.new()
        inst.set_param("Macro 10", 0.0)  # sub oscillator off: the saw alone
        audio = inst.render([(key, 100, 0.05, 1.2)], 1.4)
        assert_clean(audio)
        assert np.array_equal(audio[0], audio[1]), "mono patch, both sides equal"
        held = seconds(audio[0], 0.4, 1.15)
        f = measure.pitch(held, SR)
        c = measure.cents(f, expected)
        assert abs(c) < 2.0, "key %d: %.3f Hz (%.2f cents)" % (key, f, c)
        level = measure.db(measure.rms(held))
        assert -30.0 < level < -6.0, "key %d at %.1f dBFS" % (key, level)
        assert np.max(np.abs(audio)) < 1.0
        results.append("%d: %.2f Hz (%+.2f c), %.1f dBFS" % (key, f, c, level))
    return "; ".join(results)


def check_note_off(host):
    inst = host.new()
    audio = inst.render([(69, 100, 0.05, 0.5)], 2.0)
    assert_clean(audio)
    held = measure.rms(seconds(audio[0], 0.3, 0.5))
    just_after = measure.rms(seconds(audio[0], 0.5, 0.55))
    tail = measure.rms(seconds(audio[0], 1.5, 2.0))
    assert measure.db(just_after / held) > -12.0, "release is a fade, not a cut"
    assert tail < held * 1e-3, "tail %.1f dB below the held note" % measure.db(tail / held)
    step = measure.max_step(seconds(audio[0], 0.49, 0.6))
    steady = measure.max_step(seconds(audio[0], 0.3, 0.49))
    assert step <= steady * 1.05, "no click at note-off: %.4f vs %.4f" % (step, steady)
    drop = "-inf" if tail == 0 else "%.0f" % measure.db(tail / held)
    return "released: %s dB after 1 s, no click (max step %.4f <= %.4f)" % (drop, step, steady)


def check_macro_cutoff(host):
    centroids = []
    for value in [0.15, 0.5, 0.85]:
        inst = host.new()
        inst.set_param("Macro 1", value)
        audio = inst.render([(57, 100, 0.05, 1.0)], 1.0)
        assert_clean(audio)
        centroids.append(measure.centroid(seconds(audio[0], 0.3, 0.95), SR))
    assert centroids[0] < centroids[1] < centroids[2], centroids
    assert centroids[2] > 2.0 * centroids[0], centroids
    return "macro 1 (cutoff) 0.15/0.5/0.85 -> centroid %.0f/%.0f/%.0f Hz" % tuple(centroids)


def check_automation(host):
    if host.name != "dawdreamer":
        return None  # pedalboard holds params constant through a render
    block = 64
    n = 48_000  # a block boundary: DawDreamer applies automation per block
    frames = 2 * SR
    notes = [(57, 100, 0.05, 1.9)]
    reference = host.new(block=block)
    reference.set_param("Macro 16", 0.25)
    expected = reference.render(notes, frames / SR)[0]
    inst = host.new(block=block)
    curve = np.full(frames, 0.25)
    curve[n:] = 1.0
    inst.automate("Macro 16", curve)
    audio = inst.render(notes, frames / SR)
    assert_clean(audio)
    # The 10 ms glide starts at n: sample n still has the old value, n + 1 the first step.
    first = measure.first_difference(audio[0], expected)
    assert first is not None and n <= first <= n + 1, "change at %s, automated at %d" % (first, n)
    # Macro 16 -> out.level 0.25 -> 1.0: four times louder once the 10 ms glide is done.
    ratio = measure.rms(seconds(audio[0], 1.05, 1.8)) / measure.rms(seconds(expected, 1.05, 1.8))
    assert abs(ratio - 4.0) < 0.04, "level ratio %.3f" % ratio
    glide = measure.rms(audio[0][n : n + 240]) / measure.rms(expected[n : n + 240])
    assert 1.0 < glide < 4.0, "smoothed, not a jump (ratio over the first 5 ms: %.2f)" % glide
    step = measure.max_step(audio[0][n - 2000 : n + 2000])
    steady = measure.max_step(audio[0][n + 4000 : n + 20000])
    assert step <= steady * 1.05, "no click: step %.4f vs steady %.4f" % (step, steady)
    return (
        "per-sample curve on Macro 16 stepping at sample %d: glide starts there (first changed "
        "sample %d), x%.3f level after, no click" % (n, first, ratio)
    )


def changed_doc(state):
    """The saved document with a different patch (the saw replaced by a square)."""
    doc = juce_state.saved_doc(state)
    for m in doc["patch"]["modules"]:
        if m["id"] == "osc1":
            m["kind"] = "square"
    doc["patch"]["name"] = "changed"
    return json.dumps(doc)


def check_state(host):
    notes = [(57, 100, 0.05, 0.7), (64, 90, 0.4, 0.9)]
    inst = host.new()
    inst.set_param("Macro 1", 0.3)
    inst.set_param("Macro 4", 0.7)
    inst.set_param("Gain", gain_raw(-3.0))
    # DawDreamer hands its param values to the plugin only while rendering: render a
    # moment first so the state saved is the one that plays.
    inst.render([], 0.05)
    saved = inst.get_state()
    assert juce_state.plugin_json(saved)["params"]["macro1"]["f32"] == np.float32(0.3)
    a = inst.render(notes, 1.2)
    assert_clean(a)
    # Change everything: host params and the patch itself.
    inst.set_param("Macro 1", 0.9)
    inst.set_param("Gain", gain_raw(0.0))
    inst.set_state(juce_state.with_saved_doc(inst.get_state(), changed_doc(saved)))
    assert juce_state.saved_doc(inst.get_state())["patch"]["name"] == "changed"
    c = inst.render(notes, 1.2)
    diff_changed = float(np.max(np.abs(c - a)))
    assert diff_changed > 0.01, "the change is audible (%.4f)" % diff_changed
    inst.set_state(saved)
    b = inst.render(notes, 1.2)
    diff = float(np.max(np.abs(b - a)))
    assert diff == 0.0, "restored render differs by %g" % diff
    assert juce_state.saved_doc(inst.get_state()) == juce_state.saved_doc(saved)
    # A fresh instance given the saved state plays the same too.
    fresh = host.new()
    fresh.set_state(saved)
    d = fresh.render(notes, 1.2)
    assert float(np.max(np.abs(d - a))) == 0.0, "fresh instance from the state differs"
    return "saved, changed (max diff %.3f), restored: sample-identical (same and fresh instance)" % (
        diff_changed
    )


def check_bad_state(host):
    notes = [(57, 100, 0.05, 0.5)]
    default = host.new().render(notes, 0.7)
    details = []
    for label, doc_text in [
        ("newer format", json.dumps({"format": 99, "patch": {"format": 99, "modules": []}})),
        ("invalid patch", json.dumps({"format": 1, "patch": {"format": 1, "modules": [{"id": "x", "kind": "nope"}]}})),
        ("not a state", json.dumps([1, 2, 3])),
        ("not JSON", "{ this is not json"),
    ]:
        inst = host.new()
        inst.set_state(juce_state.with_saved_doc(inst.get_state(), changed_doc(inst.get_state())))
        changed = inst.render(notes, 0.7)
        inst.set_state(juce_state.with_saved_doc(inst.get_state(), doc_text))
        audio = inst.render(notes, 0.7)
        assert_clean(audio)
        if label == "not JSON":
            # nice-plug refuses the field before it reaches the plugin: the current patch stays.
            assert float(np.max(np.abs(audio - changed))) == 0.0, label
            details.append("%s: kept current patch" % label)
        else:
            assert float(np.max(np.abs(audio - default))) == 0.0, label
            details.append("%s: default patch" % label)
    # Bytes that are not a state at all.
    inst = host.new()
    try:
        inst.set_state(b"\x00\x01garbage")
    except Exception as e:  # a host may refuse it; the plugin must simply survive
        details.append("garbage bytes refused by the host (%s)" % type(e).__name__)
    audio = inst.render(notes, 0.7)
    assert_clean(audio)
    assert float(np.max(np.abs(audio - default))) == 0.0
    details.append("garbage bytes: survives, default patch")
    return "; ".join(details)


def check_two_instances(host):
    a_notes, b_notes = [(57, 100, 0.05, 0.6)], [(64, 80, 0.1, 0.5)]

    def setup_a(inst):
        inst.set_param("Macro 1", 0.2)

    def setup_b(inst):
        inst.set_param("Macro 1", 0.9)
        inst.set_param("Macro 16", 0.3)
        inst.set_state(juce_state.with_saved_doc(inst.get_state(), changed_doc(inst.get_state())))

    ref_a = host.new()
    setup_a(ref_a)
    expected_a = ref_a.render(a_notes, 0.8)
    del ref_a
    ref_b = host.new()
    setup_b(ref_b)
    expected_b = ref_b.render(b_notes, 0.8)
    del ref_b

    a, b = host.new(), host.new()
    setup_a(a)
    first_a = a.render(a_notes, 0.8)
    setup_b(b)
    out_b = b.render(b_notes, 0.8)
    second_a = a.render(a_notes, 0.8)
    assert float(np.max(np.abs(first_a - expected_a))) == 0.0, "A alone vs A beside B"
    assert float(np.max(np.abs(second_a - expected_a))) == 0.0, "A after B was set up"
    assert float(np.max(np.abs(out_b - expected_b))) == 0.0, "B beside A"
    assert float(np.max(np.abs(first_a - out_b))) > 0.01, "A and B differ"
    return "two instances in one process render exactly as each does alone"


def check_rates_blocks(host):
    details = []
    notes = [(69, 100, 0.01, 0.9)]
    for sr in [44100, 96000, 192000]:
        inst = host.new(sample_rate=sr)
        inst.set_param("Macro 10", 0.0)
        audio = inst.render(notes, 1.0)
        assert_clean(audio)
        f = measure.pitch(seconds(audio[0], 0.3, 0.85, sr), sr)
        assert abs(measure.cents(f, 440.0)) < 2.0, "%d Hz: %.3f Hz" % (sr, f)
        details.append("%d Hz ok" % sr)
    reference = None
    for block in [512, 1, 17, 4096]:
        inst = host.new(block=block)
        audio = inst.render(notes, 1.0)
        if reference is None:
            reference = audio
        else:
            diff = float(np.max(np.abs(audio - reference)))
            assert diff < 1e-6, "block %d differs by %g" % (block, diff)
    details.append("blocks 1/17/512/4096 identical")
    return ", ".join(details)


CHECKS = [
    ("load", check_load),
    ("params", check_params),
    ("pitch_level", check_pitch_level),
    ("note_off", check_note_off),
    ("macro_cutoff", check_macro_cutoff),
    ("automation", check_automation),
    ("state", check_state),
    ("bad_state", check_bad_state),
    ("two_instances", check_two_instances),
    ("rates_blocks", check_rates_blocks),
]


# --------------------------------------------------------------------------- runner


def run_one(host_name, check_name, bundle):
    """Runs one cell in this process; prints one JSON line."""
    check = dict(CHECKS)[check_name]
    start = time.time()
    try:
        detail = check(Host(host_name, bundle))
        result = {"status": "n/a" if detail is None else "pass", "detail": detail or ""}
    except Exception as e:  # noqa: BLE001 - every failure becomes a FAIL cell
        result = {
            "status": "FAIL",
            "detail": "%s: %s" % (type(e).__name__, e),
            "trace": traceback.format_exc(),
        }
    result["seconds"] = round(time.time() - start, 2)
    sys.stdout.flush()
    print("\nRESULT " + json.dumps(result))
    sys.stdout.flush()


def run_cell(host_name, check_name, bundle, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--vst3", bundle, "--run", host_name, check_name]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "FAIL", "detail": "timed out after %d s" % timeout}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            if result["status"] == "FAIL":
                result["log"] = proc.stderr[-3000:]
            return result
    how = "signal %d" % -proc.returncode if proc.returncode < 0 else "exit %d" % proc.returncode
    return {"status": "FAIL", "detail": "host process crashed (%s)" % how, "log": proc.stderr[-3000:]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vst3", required=True, help="path to Chronus.vst3")
    parser.add_argument("--run", nargs=2, metavar=("HOST", "CHECK"), help="run one cell here")
    parser.add_argument("--hosts", default="pedalboard,dawdreamer")
    parser.add_argument("--checks", default=",".join(name for name, _ in CHECKS))
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    bundle = os.path.abspath(args.vst3)
    if args.run:
        run_one(args.run[0], args.run[1], bundle)
        return 0
    if not os.path.isdir(bundle):
        print("no VST3 bundle at %s (build it: cargo xtask bundle chronus --release)" % bundle)
        return 2

    hosts = args.hosts.split(",")
    checks = args.checks.split(",")
    results = {}
    for check in checks:
        for host in hosts:
            r = run_cell(host, check, bundle, args.timeout)
            results[(host, check)] = r
            print("%-12s %-14s %-5s %6.1fs  %s" % (host, check, r["status"], r.get("seconds", 0), r["detail"]), flush=True)
            if r["status"] == "FAIL" and r.get("trace"):
                print(r["trace"])
            if r["status"] == "FAIL" and r.get("log"):
                print("--- host log (tail) ---\n" + r["log"])

    width = max(len(c) for c in checks)
    print("\nHost matrix (VST3: %s)" % bundle)
    print("%-*s  %s" % (width, "check", "  ".join("%-10s" % h for h in hosts)))
    for check in checks:
        print("%-*s  %s" % (width, check, "  ".join("%-10s" % results[(h, check)]["status"] for h in hosts)))
    failed = [k for k, r in results.items() if r["status"] == "FAIL"]
    print("\n%d cells, %d failed" % (len(results), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
