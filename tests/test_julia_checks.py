"""Julia static checks, contract and harness sources, on tree-sitter-julia (no julia needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, list_of, tuple_of
from tolk.toolchains.julia import JULIA
from tolk.toolchains.julia.checks import defined_functions, parse_errors, _parse
from tolk.toolchains.julia.harness import harness_files, render_glue, runner_source

GCD = Signature("gcd", (Param("a", INT), Param("b", INT)), INT)
GOOD = """\
# Euclid; comments may say run(`ls`) or println freely
\"\"\"gcd(a, b): the greatest common divisor.\"\"\"
function gcd(a::Int64, b::Int64)::Int64
    x, y = abs(a), abs(b)
    while y != 0
        x, y = y, mod(x, y)
    end
    msg = "never printed: read(\\"/etc/passwd\\")"
    return x
end

const LIMIT = 10
helper(x::Int64) = x + LIMIT
"""


def with_line(line: str) -> str:
    return GOOD.replace("    return x\n", f"    {line}\n    return x\n")


def test_good_candidate_is_accepted() -> None:
    assert JULIA.static_check(GOOD, GCD) is None
    assert parse_errors(GOOD) == []


@pytest.mark.parametrize(("line", "reason"), [
    ("run(`rm -rf /`)", "forbidden:run"),
    ("Base.run(x)", "forbidden:run"),
    ("f = run", "forbidden:run"),
    ("getfield(Base, :run)(x)", "forbidden:getfield"),
    ("getproperty(Base, :run)", "forbidden:getproperty"),
    ("g = :run", "forbidden:run"),
    ("c = `ls`", "forbidden:command_literal"),
    ("c = cmd\"ls\"", "forbidden:string_macro:cmd"),
    ("var\"run\"(x)", "forbidden:string_macro:var"),
    ("ccall(:system, Cint, (Cstring,), \"ls\")", "forbidden:ccall"),
    ("@ccall system(\"ls\"::Cstring)::Cint", "forbidden:@ccall"),
    ("cglobal(:environ)", "forbidden:cglobal"),
    ("Libc.getpid()", "forbidden:Libc"),
    ("Base.Libc.getpid()", "forbidden:Libc"),
    ("eval(:(1 + 1))", "forbidden:eval"),
    ("@eval 1 + 1", "forbidden:@eval"),
    ("Core.eval(Main, 1)", "forbidden:Core"),
    ("include(\"x.jl\")", "forbidden:include"),
    ("Meta.parse(\"1\")", "forbidden:Meta"),
    ("q = :(1 + 2)", "forbidden:quote"),
    ("q = quote 1 end", "forbidden:quote"),
    ("open(\"/etc/passwd\")", "forbidden:open"),
    ("s = read(\"/etc/passwd\", String)", "forbidden:read"),
    ("write(\"/tmp/x\", \"y\")", "forbidden:write"),
    ("readdir(\"/\")", "forbidden:readdir"),
    ("rm(\"/tmp/x\")", "forbidden:rm"),
    ("mkdir(\"/tmp/x\")", "forbidden:mkdir"),
    ("cd(\"/\")", "forbidden:cd"),
    ("h = ENV[\"HOME\"]", "forbidden:ENV"),
    ("Sockets.connect(1)", "forbidden:Sockets"),
    ("Distributed.addprocs(1)", "forbidden:Distributed"),
    ("download(\"http://x\")", "forbidden:download"),
    ("println(x)", "forbidden:println"),
    ("print(x)", "forbidden:print"),
    ("show(x)", "forbidden:show"),
    ("display(x)", "forbidden:display"),
    ("Base.write(stdout, 1)", "forbidden:write"),
    ("flush(stderr)", "forbidden:flush"),
    ("exit(0)", "forbidden:exit"),
    ("Threads.@spawn 1", "forbidden:Threads"),
    ("@async 1", "forbidden:@async"),
    ("unsafe_load(p)", "forbidden:unsafe_load"),
    ("p = pointer(x)", "forbidden:pointer"),
    ("Core.Intrinsics.add_int(1, 2)", "forbidden:Core"),
    ("getfield(Main, :x)", "forbidden:getfield"),
    ("d = @__DIR__", "forbidden:@__DIR__"),
    ("s = \"$(read(\"/etc/passwd\", String))\"", "forbidden:read"),
    ("finalizer(identity, x)", "forbidden:finalizer"),
    ("@show x", "forbidden:@show"),
])
def test_forbidden_construct_is_rejected(line: str, reason: str) -> None:
    code = with_line(line)
    assert parse_errors(code) == [], code  # each case is valid Julia, refused on purpose
    assert JULIA.static_check(code, GCD) == reason


@pytest.mark.parametrize(("top", "reason"), [
    ("using Sockets", "forbidden:top_level:using_statement"),
    ("import Base: +", "forbidden:top_level:import_statement"),
    ("x = 1", "forbidden:top_level:assignment"),
    ("struct S end", "forbidden:top_level:struct_definition"),
    ("macro m() end", "forbidden:top_level:macro_definition"),
    ("module M end", "forbidden:top_level:module_definition"),
    ("@eval f() = 1", "forbidden:top_level:macrocall_expression"),
    ("include(\"secret.jl\")", "forbidden:top_level:call_expression"),
    ("function Base.println(io::IO, x::Int64) end", "forbidden:extends_other_module"),
    ("Base.:+(a::Int64, b::Int64) = 0", "forbidden:extends_other_module"),
    ("Base.convert(::Type{Int64}, x::Int64) = x", "forbidden:extends_other_module"),
])
def test_top_level_holds_only_functions_and_consts(top: str, reason: str) -> None:
    assert JULIA.static_check(top + "\n" + GOOD, GCD) == reason


def test_definition_name_and_arity() -> None:
    assert JULIA.static_check(GOOD.replace("function gcd(", "function gcd2("), GCD) == \
        "no_definition"
    assert JULIA.static_check("gcd(a::Int64) = a\n", GCD) == "arity_mismatch"
    # Another method with the right arity is enough; keyword parameters do not count.
    assert JULIA.static_check("gcd(a) = a\ngcd(a, b; c = 1) = a\n", GCD) is None
    assert JULIA.static_check("function gcd(a::T, b::T)::T where {T}\n a\nend\n", GCD) is None
    assert JULIA.static_check("function gcd(a, b\n  a\nend\n", GCD) == "syntax_error"
    assert JULIA.static_check("function gcd(a, b)\n  x = (1 + \nend\n", GCD) == "syntax_error"


def test_allowed_macros_and_string_prefixes() -> None:
    code = with_line('@inbounds y = r"a+" ; @assert x >= 0 ; z = raw"\\d" ; @views w = y')
    assert JULIA.static_check(code, GCD) is None


def test_own_name_is_exempt_only_where_it_stands_alone() -> None:
    read_sig = Signature("read", (Param("n", INT),), INT)
    own = "function read(n::Int64)::Int64\n    return n <= 0 ? 0 : read(n - 1) + 1\nend\n"
    assert JULIA.static_check(own, read_sig) is None
    assert JULIA.static_check(own.replace("read(n - 1)", "Base.read(n - 1)"), read_sig) == \
        "forbidden:read"
    assert JULIA.static_check(own, GCD) == "no_definition"


def test_defined_functions_lists_names_and_positional_counts() -> None:
    root = _parse(b"f(a, b; c = 1) = a\nfunction g()::Int64\n 1\nend\nfunction Base.h(x) end\n")
    assert defined_functions(root) == [("f", 2), ("g", 0), ("Base.h", 1)]


# ---- contract and harness sources ----------------------------------------------------

SIGS = [
    GCD,
    Signature("stats", (Param("xs", list_of(FLOAT)),), tuple_of(FLOAT, FLOAT, INT)),
    Signature("grid", (Param("m", list_of(list_of(INT))), Param("flag", BOOL)),
              list_of(list_of(BOOL))),
    Signature("words", (Param("ws", list_of(STR)), Param("end", STR), Param("function", INT)),
              STR),
    Signature("nothing_in", (), INT),
]


@pytest.mark.parametrize("sig", SIGS, ids=lambda s: s.name)
def test_contract_parses_and_defines_the_function(sig: Signature) -> None:
    text = JULIA.contract(sig)
    assert parse_errors(text) == []
    assert JULIA.static_check(text, sig) is None
    assert text.startswith(f"function {sig.name}(")


def test_contract_type_map_and_keyword_parameters() -> None:
    assert JULIA.contract(SIGS[1]).splitlines()[0] == \
        "function stats(xs::Vector{Float64})::Tuple{Float64, Float64, Int64}"
    assert JULIA.contract(SIGS[2]).splitlines()[0] == \
        "function grid(m::Matrix{Int64}, flag::Bool)::Matrix{Bool}"
    assert JULIA.contract(SIGS[3]).splitlines()[0] == \
        "function words(ws::Vector{String}, end_::String, function_::Int64)::String"


@pytest.mark.parametrize("name", ["end", "function", "_", "__", "naïve", "local"])
def test_function_names_julia_cannot_define_are_unsupported(name: str) -> None:
    sig = Signature(name, (), INT)
    assert JULIA.supports(sig) == f"unsupported_name:{name}"
    with pytest.raises(UnsupportedProgram):
        JULIA.contract(sig)


@pytest.mark.parametrize("sig", SIGS, ids=lambda s: s.name)
def test_runner_and_glue_parse(sig: Signature) -> None:
    files = harness_files(sig, JULIA.contract(sig))
    assert set(files) == {"runner.jl", "cand_1.jl", "glue_1.jl"}
    for name, text in files.items():
        assert parse_errors(text) == [], name
    glue = render_glue(sig, 7)
    assert f"name = :{sig.name}," in glue and "candidate 7" in glue


def test_glue_spells_every_wire_type() -> None:
    glue = render_glue(SIGS[2])
    assert "params = (Matrix{Int64}, Bool, )," in glue
    assert "returns = Matrix{Bool}," in glue
    assert "params = ()," in render_glue(SIGS[4])


def test_runner_speaks_the_documented_protocol() -> None:
    text = runner_source()
    for marker in ("@@cand", "@@error", "@@loaderror", "@@candend", "@@batchend", "@@end"):
        assert marker in text
    assert "ccall(:alarm" in text and "Base.include_string" in text
    assert "Base.invokelatest" in text  # candidates are newer than the runner's world
    assert Path(JULIA.run_argv()[-2]).name == "runner.jl" and JULIA.run_argv()[-1] == "--single"


@pytest.mark.parametrize(("line", "reason"), [
    ("p = eachsplit(\"a b\")", "needs_julia:1.8:eachsplit"),
    ("m = stack([[1], [2]])", "needs_julia:1.9:stack"),
    ("g = splat(+)", "needs_julia:1.9:splat"),
    ("q = Iterators.flatmap(abs, [1])", "needs_julia:1.9:flatmap"),
    ("h = Returns(1)", "needs_julia:1.7:Returns"),
    ("t = allequal([1, 1])", "needs_julia:1.8:allequal"),
    ("z = sum(Int64[]; init = 0)", "needs_julia:1.6:sum(init=)"),
    ("z = maximum(Int64[], init = 0)", "needs_julia:1.6:maximum(init=)"),
    ("r = range(1, 5)", "needs_julia:1.7:range(start, stop)"),
    ("r = range(1, 5, 3)", "needs_julia:1.8:range(start, stop)"),
    ("w = replace(\"ab\", \"a\" => \"b\", \"b\" => \"c\")",
     "needs_julia:1.7:replace(several pairs)"),
])
def test_constructs_newer_than_julia_1_5_are_refused(line: str, reason: str) -> None:
    assert JULIA.static_check(with_line(line), GCD) == reason


@pytest.mark.parametrize("line", [
    "stack = Int64[]",  # a variable named like a newer function: fine
    "z = reduce(+, Int64[]; init = 0)",  # init there since 1.0
    "r = range(1, 5; length = 3)",  # the 1.5 spelling
    "w = replace(\"ab\", \"a\" => \"b\")",
    "z = sum(abs, [1, -2])",
    "g = Base.splat(+)",  # unexported, but there in 1.5
])
def test_julia_1_5_spellings_are_accepted(line: str) -> None:
    assert JULIA.static_check(with_line(line), GCD) is None


def test_own_function_named_like_a_newer_one_is_fine() -> None:
    code = (GOOD + "stack(x::Int64) = x + 1\n"
            "function g2(a::Int64)::Int64\n    return stack(a)\nend\n")
    assert JULIA.static_check(code, GCD) is None
