"""Reads and writes the plugin state that JUCE-based hosts (pedalboard, DawDreamer) hand
out, so tests can look inside it and change the saved patch.

JUCE wraps a VST3 plugin's component state as: b"VC2!" + u32 little-endian length + XML
``<VST3PluginState><IComponent>N.XXXX</IComponent>...</VST3PluginState>`` + NUL, where
``N.XXXX`` is JUCE's MemoryBlock base64 (byte count, '.', 6 bits per character taken
least significant bit first, alphabet below). Inside is nice-plug's state JSON:
``{"version": ..., "params": {...}, "fields": {"chronus-patch": "<json text>"}}``.
"""

import json
import re
import struct

_ALPHABET = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}


def memory_block_decode(text):
    """JUCE MemoryBlock::fromBase64Encoding."""
    size_text, _, chars = text.strip().partition(".")
    size = int(size_text)
    bits = 0
    for i, c in enumerate(chars):
        bits |= _VALUE[c] << (6 * i)
    return (bits & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def memory_block_encode(data):
    """JUCE MemoryBlock::toBase64Encoding."""
    bits = int.from_bytes(data, "little")
    num_chars = (len(data) * 8 + 5) // 6
    return "%d.%s" % (len(data), "".join(_ALPHABET[(bits >> (6 * i)) & 63] for i in range(num_chars)))


def unwrap(state):
    """Host state bytes -> (xml text, component state bytes)."""
    if state[:4] != b"VC2!":
        raise ValueError("not a JUCE binary XML state (no VC2! header)")
    (length,) = struct.unpack("<I", state[4:8])
    xml = state[8 : 8 + length].rstrip(b"\0").decode("utf-8")
    match = re.search(r"<IComponent>([^<]*)</IComponent>", xml)
    if not match:
        raise ValueError("no IComponent state in the host state")
    return xml, memory_block_decode(match.group(1))


def wrap(xml, component):
    """(xml text as returned by unwrap, new component bytes) -> host state bytes."""
    xml = re.sub(
        r"<IComponent>[^<]*</IComponent>",
        "<IComponent>%s</IComponent>" % memory_block_encode(component),
        xml,
    )
    body = xml.encode("utf-8") + b"\0"
    return b"VC2!" + struct.pack("<I", len(body)) + body


def plugin_json(state):
    """Host state bytes -> nice-plug's state object (dict)."""
    return json.loads(unwrap(state)[1])


def saved_doc(state):
    """Host state bytes -> Chronus' saved document (dict with format, patch, crossfade_ms)."""
    return json.loads(plugin_json(state)["fields"]["chronus-patch"])


def with_saved_doc(state, doc_text):
    """Host state bytes with Chronus' saved document replaced by `doc_text` (any text:
    tests also store broken documents)."""
    xml, component = unwrap(state)
    plugin_state = json.loads(component)
    plugin_state["fields"]["chronus-patch"] = doc_text
    return wrap(xml, json.dumps(plugin_state).encode("utf-8"))


def self_test():
    for data in [b"", b"a", b"ab", b"abc", bytes(range(256))]:
        assert memory_block_decode(memory_block_encode(data)) == data


self_test()


def vstpreset(component, class_id=b"ChronusModSynth1"):
    """A `.vstpreset` file (the VST3 SDK preset format DAWs use) holding `component` as
    the plugin's component state: header ('VST3', version 1, class id as 32 hex digits,
    offset of the chunk list), the 'Comp' chunk, then the chunk list."""
    header_size = 4 + 4 + 32 + 8
    list_offset = header_size + len(component)
    header = b"VST3" + struct.pack("<i", 1) + class_id.hex().upper().encode("ascii")
    header += struct.pack("<q", list_offset)
    chunk_list = b"List" + struct.pack("<i", 1) + b"Comp" + struct.pack("<qq", header_size, len(component))
    return header + component + chunk_list
