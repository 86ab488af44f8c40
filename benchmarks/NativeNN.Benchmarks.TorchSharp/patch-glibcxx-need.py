#!/usr/bin/env python3
"""Marks one ELF library's need for a symbol version as weak, after proving nothing binds to it.

TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so records that
it needs version GLIBCXX_3.4.32 of libstdc++.so.6. Debian 12 ships GCC 12's libstdc++ (versions up
to GLIBCXX_3.4.30), so the dynamic loader refuses the library. The one symbol of that version the
library names is std::ios_base_library_init(), which GCC 13's <iostream> references only as a marker
(an undefined symbol without any relocation): no code ever calls or reads it.

This script flips VER_FLG_WEAK on that one version need (glibc's loader then only notes a weak
version that is missing instead of failing, elf/dl-version.c), and only after checking, from the
file's own relocation tables, that no relocation refers to any symbol of that version. If one did,
the library would really use something GCC 12's libstdc++ lacks, and the script refuses.

Usage: patch-glibcxx-need.py LIBRARY [VERSION]   (VERSION defaults to GLIBCXX_3.4.32; idempotent)
"""
import struct
import sys

SHT_RELA, SHT_DYNSYM, SHT_GNU_VERSYM, SHT_GNU_VERNEED = 4, 11, 0x6FFFFFFF, 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = sys.argv[1]
    wanted = (sys.argv[2] if len(sys.argv) == 3 else "GLIBCXX_3.4.32").encode()
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        print(f"{path}: not a 64-bit little-endian ELF file", file=sys.stderr)
        return 1

    section_offset, = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for index in range(count):
        _, kind, _, _, offset, size, link, info, _, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, section_offset + index * entry_size)
        sections.append((kind, offset, size, link, info, entsize))

    def string(table, at):
        start = sections[table][1] + at
        return bytes(data[start:data.index(b"\0", start)])

    # Find the version need and the version index the symbol table uses for it.
    needs = [(i, s) for i, s in enumerate(sections) if s[0] == SHT_GNU_VERNEED]
    if not needs:
        print(f"{path}: no version needs", file=sys.stderr)
        return 1
    _, (_, offset, _, strings, need_count, _) = needs[0]
    target = None
    position = offset
    for _ in range(need_count):
        _, aux_count, file_name, aux, following = struct.unpack_from("<HHIII", data, position)
        aux_position = position + aux
        for _ in range(aux_count):
            _, flags, other, name, aux_next = struct.unpack_from("<IHHII", data, aux_position)
            if string(strings, name) == wanted:
                target = (aux_position, flags, other, string(strings, file_name))
            aux_position += aux_next
        position += following
        if following == 0:
            break
    if target is None:
        print(f"{path}: needs no {wanted.decode()}; nothing to do")
        return 0
    aux_position, flags, version_index, library = target

    # Prove no relocation binds to a symbol of that version.
    versym = next(s for s in sections if s[0] == SHT_GNU_VERSYM)
    dynsym_index = next(i for i, s in enumerate(sections) if s[0] == SHT_DYNSYM)
    dynsym = sections[dynsym_index]
    marked = []
    for symbol in range(dynsym[2] // dynsym[5]):
        version, = struct.unpack_from("<H", data, versym[1] + 2 * symbol)
        if version & 0x7FFF == version_index:
            name, = struct.unpack_from("<I", data, dynsym[1] + symbol * dynsym[5])
            marked.append((symbol, string(dynsym[3], name).decode()))
    used = []
    for kind, offset, size, link, _, entsize in sections:
        if kind != SHT_RELA or link != dynsym_index:
            continue
        for entry in range(size // entsize):
            _, info, _ = struct.unpack_from("<QQq", data, offset + entry * entsize)
            if any(info >> 32 == symbol for symbol, _ in marked):
                used.append(info >> 32)
    names = ", ".join(name for _, name in marked) or "none"
    if used:
        print(f"{path}: relocations bind to {wanted.decode()} symbols ({names}); refusing to patch", file=sys.stderr)
        return 1
    if flags & VER_FLG_WEAK:
        print(f"{path}: {library.decode()} {wanted.decode()} is already a weak need (symbols: {names})")
        return 0
    struct.pack_into("<H", data, aux_position + 4, flags | VER_FLG_WEAK)
    with open(path, "r+b") as handle:
        handle.write(data)
    print(f"{path}: {library.decode()} {wanted.decode()} is now a weak need; no relocation uses its symbols ({names})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
