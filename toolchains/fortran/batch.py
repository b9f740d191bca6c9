"""Many Fortran candidates in one gfortran invocation (the `BatchCompiled` half of the toolchain).

A build is two source files, compiled by one `gfortran -J .` call into `./harness`, with
the single build's flags (only `-fmax-errors` differs):

    batch_candidates.f90  candidate k's own text, its `module candidate` renamed on the
                          tree-sitter parse (module and end-module name nodes only) to
                          `candidate_<kkkk>`, each preceded by `# 1 "candidate.f90"`
    batch_harness.f90     the driver `program harness`, which runs the candidate whose
                          index is its first argument: it hands `candidate_<kkkk>`'s
                          procedure to the prebuilt runner of its types; a candidate
                          named like an intrinsic, which gfortran will not pass as an
                          argument, is handed over through a one-line wrapper procedure in
                          a module tolk_wrap_<kkkk> of its own.

The parts no candidate changes are `Prebuilt` (`prebuilt`): module tolk_wire (every
read/write helper) and one runner module per parameter/result types (the single harness's
loop as `run(target)`, target a dummy procedure with the contract's interface, named
`tolk_runner_<hash of its text>`). The engine compiles each once per process and links
its object into every chunk, so a chunk compiles its candidates plus a few driver
lines each: the harness used to cost about as much to compile as the candidates.

Why so few files: gfortran starts one compiler process per source file (~18 ms each
here), which would cost more than compiling a small candidate. Everything is built with
the single path's flags (-O1): at -O0 a candidate that returns an unallocated result
(undefined behaviour) more often ended in the harness's `error stop` instead of the
single harness's SIGSEGV (validators/batch.py documents the exception).

Key contracts:
- Candidates cannot see each other: every name a candidate defines lives in its own
  module (mangled `__candidate_<kkkk>_MOD_<name>`), the static checks refuse every `use`
  but the intrinsic modules and every program unit outside the module, and each candidate
  runs alone in its own process (`./harness k`; `validators/chunk_runner.py` clears the
  sandbox between two candidates' runs). Candidates never call each other, so
  sharing a translation unit changes no candidate's code.
- The line marker makes compiler and `-fcheck` runtime messages name `candidate.f90` and
  the line the single-candidate path would; the markers `harness_<kkkk>.f90` in the
  harness file name the candidate a harness error belongs to.
- `blame(workdir, output, n)` attributes a failed build. gfortran writes a module's
  `.mod` only when that module compiled, and (with `-fmax-errors=0`) goes on with the next
  module after an error: a missing `candidate_<kkkk>.mod` blames k. After a fatal error
  or a compiler crash the rest of the file was never compiled, so only the first missing
  module past the last one written is blamed then. A candidate whose procedure does not
  match its runner's interface (say, a missing `intent(in)`) fails in
  `harness_<kkkk>.f90`; link errors name the mangled symbols. A candidate the parse cannot
  rename is left out of the candidates file, so its module is missing and it is blamed.
  The engine validates blamed candidates alone, so a wrong blame costs time, never a
  wrong verdict.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import tree_sitter
import tree_sitter_fortran

from tolk.ir.function import Signature
from tolk.toolchains.base import Prebuilt
from tolk.toolchains.fortran.harness import render_runner, render_wire_all, render_wrapper
from tolk.toolchains.fortran.types import fortran_name

__all__ = ["batch_files", "blame", "compile_argv", "prebuilt", "rename_module", "render_driver",
           "CANDIDATES_FILE", "HARNESS_FILE", "EXECUTABLE"]

CANDIDATES_FILE = "batch_candidates.f90"
HARNESS_FILE = "batch_harness.f90"
EXECUTABLE = "harness"
_CANDIDATE_MARKER = '# 1 "candidate.f90"\n'
_BLAME_FILE = re.compile(r"^harness_(\d{4,})\.f90:", re.MULTILINE)
_BLAME_SYMBOL = re.compile(r"__(?:candidate|tolk_wrap)_(\d{4,})_MOD_")
_MOD_FILE = re.compile(r"candidate_(\d{4,})\.mod")
_LOCATION = re.compile(r"^(\S+?):\d+:\d+:")
_STOPPED = ("Fatal Error", "internal compiler error")
# gfortran 12 refuses a module procedure named like an intrinsic as an actual argument
# ("Intrinsic 'matmul' ... is not allowed as an actual argument"), even renamed, and in a
# procedure pointer assignment: such a candidate is called by a wrapper procedure, which
# goes to the runner instead. A name missing here only costs a rebuild (the build blames
# the candidate).
_INTRINSICS = frozenset("""
abs achar acos acosh adjustl adjustr aimag aint all allocated anint any asin asinh
associated atan atan2 atanh bessel_j0 bessel_j1 bessel_jn bessel_y0 bessel_y1 bessel_yn bge
bgt bit_size ble blt btest ceiling char cmplx command_argument_count conjg cos cosh count
cpu_time cshift date_and_time dble digits dim dot_product dprod dshiftl dshiftr eoshift
epsilon erf erfc erfc_scaled exp exponent extends_type_of findloc floor fraction gamma huge
hypot iachar iall iand iany ibclr ibits ibset ichar ieor index int ior iparity ishft ishftc
is_contiguous is_iostat_end is_iostat_eor kind lbound leadz len len_trim lge lgt lle llt log
log_gamma log10 logical maskl maskr matmul max maxexponent maxloc maxval merge merge_bits min
minexponent minloc minval mod modulo move_alloc mvbits nearest new_line nint norm2 not null
out_of_range pack parity popcnt poppar precision present product radix random_number
random_seed range rank real reduce repeat reshape rrspacing same_type_as scale scan
selected_char_kind selected_int_kind selected_real_kind set_exponent shape shifta shiftl
shiftr sign sin sinh size spacing spread sqrt storage_size sum system_clock tan tanh tiny
trailz transfer transpose trim ubound unpack verify
alog alog10 amax0 amax1 amin0 amin1 amod cabs ccos cexp clog csin csqrt dabs dacos dasin
datan datan2 dcos dcosh ddim dexp dint dlog dlog10 dmax1 dmin1 dmod dnint dsign dsin dsinh
dsqrt dtan dtanh float iabs idim idint idnint ifix isign max0 max1 min0 min1 sngl
""".split())


def _tag(k: int) -> str:
    return f"{k:04d}"


def module_name(k: int) -> str:
    return f"candidate_{_tag(k)}"


def rename_module(code: str, new_name: str) -> str | None:
    """`code` with its top-level `module candidate` (and the end-module name, when written)
    renamed to new_name; None when the parse holds no such module."""
    src = code.encode("utf-8", "replace")
    # A Parser per call: parsers are cheap and not safe to share between threads.
    root = tree_sitter.Parser(_language()).parse(src).root_node
    for node in root.children:
        if node.type != "module" or not node.children:
            continue
        head = _name_of(node.children[0])
        if head is None or _text(src, head).lower() != "candidate":
            continue
        names = [head]
        if node.children[-1].type == "end_module_statement":
            if (end := _name_of(node.children[-1])) is not None:
                names.append(end)
        out = src
        for n in sorted(names, key=lambda n: -n.start_byte):  # right to left: offsets hold
            out = out[:n.start_byte] + new_name.encode() + out[n.end_byte:]
        return out.decode("utf-8", "replace")
    return None


@functools.cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_fortran.language())


def _name_of(stmt: tree_sitter.Node) -> tree_sitter.Node | None:
    return next((c for c in stmt.children if c.type == "name"), None)


def _text(src: bytes, node: tree_sitter.Node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


@functools.lru_cache(maxsize=4096)
def _runner_key(sig: Signature) -> str:
    """The shared runner's text for sig's types (equal types, equal text)."""
    return render_runner(sig, "tolk_runner")


def _runner_module(key: str) -> str:
    return "tolk_runner_" + hashlib.sha256(key.encode()).hexdigest()[:12]


def batch_files(items: Sequence[tuple[str, Signature]]) -> dict[str, str]:
    """The two source files of one build (see the module docstring)."""
    cands: list[str] = []
    for k, (code, _) in enumerate(items):
        renamed = rename_module(code, module_name(k))
        if renamed is not None:  # else left out: its missing module blames it
            cands.append(_CANDIDATE_MARKER + renamed + ("" if renamed.endswith("\n") else "\n"))
    harness: list[str] = []
    calls: list[tuple[str, str]] = []  # per candidate: (its use lines, the call that runs it)
    for k, (_, sig) in enumerate(items):
        runner = _runner_module(_runner_key(sig))
        local = runner.replace("tolk_runner_", "run_")
        name = fortran_name(sig.name)
        if name in _INTRINSICS:
            wrap = f"tolk_wrap_{_tag(k)}"
            harness.append(f'# 1 "harness_{_tag(k)}.f90"\n'
                           + render_wrapper(sig, wrap, module_name(k)))
            use = f"  use {wrap}, only: c_{_tag(k)} => target\n"
        else:
            use = f"  use {module_name(k)}, only: c_{_tag(k)} => {name}\n"
        calls.append((use + f"  use {runner}, only: {local} => run\n",
                      f"call {local}(c_{_tag(k)})"))
    harness.append('# 1 "driver.f90"\n' + render_driver(calls))
    return {CANDIDATES_FILE: "".join(cands), HARNESS_FILE: "".join(harness)}


def prebuilt(items: Sequence[tuple[str, Signature]], compiler: str, flags: Sequence[str],
             version: str) -> list[Prebuilt]:
    """tolk_wire and one runner module per signature shape of items (module docstring)."""
    argv = [compiler, *flags, "-c"]
    wire_text = render_wire_all()
    wire = Prebuilt(_part_key(version, flags, wire_text), {"tolk_wire.f90": wire_text},
                    [*argv, "tolk_wire.f90"], ("tolk_wire.o", "tolk_wire.mod"), ("tolk_wire.o",))
    parts = [wire]
    keys = sorted({_runner_key(sig) for _, sig in items})
    for key in keys:
        module = _runner_module(key)
        text = key.replace("tolk_runner", module)
        # A runner compiles against tolk_wire's interface (its .mod, from the part above:
        # compiling tolk_wire again for each runner cost ~0.3 s a shape).
        parts.append(Prebuilt(_part_key(version, flags, wire_text, text),
                              {f"{module}.f90": text}, [*argv, f"{module}.f90"],
                              (f"{module}.o", f"{module}.mod"), (f"{module}.o",), (wire,)))
    return parts


def _part_key(*parts: str | Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p if isinstance(p, str) else "\0".join(p)).encode() + b"\1")
    return h.hexdigest()[:24]


def compile_argv(compiler: str, flags: Sequence[str]) -> list[str]:
    """One gfortran invocation with the single build's flags, except that every error is
    reported (`-fmax-errors=0`: blame needs one per failing candidate). gfortran goes on
    with the harness file after the candidates file failed, so both report in one round."""
    kept = [f for f in flags if not f.startswith("-fmax-errors=")]
    return [compiler, *kept, "-fmax-errors=0", CANDIDATES_FILE, HARNESS_FILE, "-o", EXECUTABLE]


def render_driver(calls: Sequence[tuple[str, str]]) -> str:
    """`program harness`: runs the candidate whose index is the first command argument.
    Candidate k's use lines and call sit under a `harness_<kkkk>.f90` marker, so an error
    there (a procedure missing from its module, an interface its runner cannot take)
    blames k. Shared candidates need no module of their own: the driver hands the
    candidate's procedure to the prebuilt runner."""
    def marked(k: int, text: str) -> str:
        return f'# 1 "harness_{_tag(k)}.f90"\n{text}# 1 "driver.f90"\n'

    uses = "".join(marked(k, u) for k, (u, _) in enumerate(calls))
    cases = "".join(f"  case ({k})\n" + marked(k, f"    {c}\n") for k, (_, c) in enumerate(calls))
    return (
        "program harness\n"
        f"{uses}"
        "  implicit none\n"
        "  character(len=32) :: arg\n"
        "  integer :: index, stat\n"
        "  call get_command_argument(1, arg, status=stat)\n"
        "  if (stat /= 0) error stop \"harness: usage: harness INDEX\"\n"
        "  read(arg, *, iostat=stat) index\n"
        "  if (stat /= 0) error stop \"harness: bad candidate index\"\n"
        "  select case (index)\n"
        f"{cases}"
        "  case default\n"
        "    error stop \"harness: no such candidate\"\n"
        "  end select\n"
        "end program harness\n"
    )


def blame(workdir: Path, compiler_output: str, n: int) -> set[int]:
    """Indices (< n) of the candidates a failed n-candidate build in workdir is due to."""
    written = {int(m.group(1)) for p in workdir.glob("candidate_*.mod")
               if (m := _MOD_FILE.fullmatch(p.name))}
    missing = sorted(set(range(n)) - written)
    if missing and _candidates_stopped(compiler_output):
        # Compilation stopped: modules past the first missing one were never compiled.
        last = max(written, default=-1)
        missing = [k for k in missing if k < last] + [k for k in missing if k > last][:1]
    found = set(missing)
    found |= {int(m) for m in _BLAME_FILE.findall(compiler_output)}
    found |= {int(m) for m in _BLAME_SYMBOL.findall(compiler_output)}
    return {k for k in found if k < n}


def _candidates_stopped(compiler_output: str) -> bool:
    """Did compiling the candidates file stop early (a fatal error or a compiler crash
    reported at, or right after, a `candidate.f90` location)?"""
    where = ""
    for line in compiler_output.splitlines():
        if m := _LOCATION.match(line):
            where = m.group(1)
        elif any(s in line for s in _STOPPED) and where == "candidate.f90":
            return True
    return False
