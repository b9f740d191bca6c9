# tolk Julia runner: validates candidates in ONE julia process (start-up is paid once).
#
# Started by tolk (toolchains/julia/batch.py) in a work dir holding, for candidate k:
#   cand_k.jl   the candidate's source, included into a fresh module Cand_k
#   glue_k.jl   generated from glue.jl.j2: a NamedTuple (name, params, returns) of types
#   cand_k.in   the vectors in the wire format of tolk.validators.wire
#
# Batch mode (`julia runner.jl`): stdin holds the nonce (one line), the per-candidate
# time limit in seconds (one line) and the candidate numbers to run (one line, blanks
# between). Every line this runner prints starts with the nonce: "<nonce>!" for control
# lines, "<nonce>|" for data lines (wire records, whose result strings may hold anything),
# so output the candidate manages to print (it cannot know the nonce) is told apart and
# never forges a record or a section:
#   <nonce>!@@cand k                  candidate k starts (its limit is armed)
#   <nonce>|@@ j / <result> / @@end j vector j, exactly as validators/wire.py reads it
#   <nonce>!@@error j <message>       vector j threw: candidate k ends here
#   <nonce>!@@loaderror <message>     the source did not load or lacks the function
#   <nonce>!@@candend k <seconds>     candidate k is over
#   <nonce>!@@batchend                every listed candidate was run
# Candidate k runs under alarm(limit): SIGALRM keeps its default action (julia does not
# handle or block it), so an overrunning candidate ends the process; tolk then starts a
# new one for the candidates after k. (A watchdog thread could miss a candidate spinning
# without GC safepoints: stop-the-world waits for it; a kernel timer cannot be starved.)
#
# Single mode (`julia runner.jl --single`): candidate 1, vectors on stdin, plain wire
# records on stdout (what validators.validate.judge reads); a thrown vector ends the run
# with exit status 1 and the message on stderr, a load failure with status 2, and an exit
# the candidate forces with status 3.

# ---- values on the wire ------------------------------------------------------------

function wire_line(io::IO)::String
    eof(io) && error("wire input ended early")
    return readline(io)
end

wire_int(io::IO) = parse(Int64, strip(wire_line(io)))

read_value(io::IO, ::Type{Int64}) = wire_int(io)

function read_value(io::IO, ::Type{Float64})
    s = lowercase(strip(wire_line(io)))
    # Python's repr spells the specials inf, -inf and nan.
    s in ("inf", "+inf", "infinity") && return Inf
    s in ("-inf", "-infinity") && return -Inf
    s in ("nan", "+nan", "-nan") && return NaN
    return parse(Float64, s)
end

function read_value(io::IO, ::Type{Bool})
    s = strip(wire_line(io))
    s == "1" && return true
    s == "0" && return false
    error("bad bool on the wire: $(repr(s))")
end

function read_value(io::IO, ::Type{String})
    n = wire_int(io)
    s = wire_line(io)  # input strings hold no line breaks (the wire refuses them)
    length(s) == n || error("string of $(length(s)) characters, the wire announced $n")
    return s
end

function read_value(io::IO, ::Type{Vector{T}}) where {T}
    n = wire_int(io)
    n >= 0 || error("negative list length")
    v = Vector{T}(undef, n)
    for i in 1:n
        v[i] = read_value(io, T)
    end
    return v
end

function read_value(io::IO, ::Type{Matrix{T}}) where {T}
    rows = wire_int(io)
    cols = wire_int(io)
    (rows >= 0 && cols >= 0) || error("negative matrix shape")
    m = Matrix{T}(undef, rows, cols)
    for i in 1:rows, j in 1:cols  # the wire is row-major, Julia column-major
        m[i, j] = read_value(io, T)
    end
    return m
end

write_value(io::IO, x::Int64, ::Type{Int64}) = println(io, x)
write_value(io::IO, x::Float64, ::Type{Float64}) = println(io, repr(x))  # shortest round-trip
write_value(io::IO, x::Bool, ::Type{Bool}) = println(io, x ? 1 : 0)

function write_value(io::IO, x::String, ::Type{String})
    println(io, length(x))  # characters, as Python's len counts them
    println(io, x)
end

function write_value(io::IO, x::Vector{T}, ::Type{Vector{T}}) where {T}
    println(io, length(x))
    for e in x
        write_value(io, e, T)
    end
end

function write_value(io::IO, x::Matrix{T}, ::Type{Matrix{T}}) where {T}
    println(io, size(x, 1))
    println(io, size(x, 2))
    for i in 1:size(x, 1), j in 1:size(x, 2)
        write_value(io, x[i, j], T)
    end
end

function write_value(io::IO, x::Tuple, ::Type{T}) where {T<:Tuple}
    for (e, S) in zip(x, fieldtypes(T))
        write_value(io, e, S)
    end
end

"""The result as wire text; `convert` does what the contract's `::T` annotation does."""
function render(r, ::Type{T})::String where {T}
    buf = IOBuffer()
    write_value(buf, convert(T, r)::T, T)
    return String(take!(buf))
end

function describe(e)::String
    msg = try
        sprint(showerror, e; context = :limit => true)
    catch
        "(message unavailable)"
    end
    s = replace(string(nameof(typeof(e)), ": ", msg), r"\s+" => " ")
    return first(s, 400)
end

# ---- loading one candidate -----------------------------------------------------------

struct Loaded
    f::Any
    spec::Any
    problem::String
end

function load_candidate(dir::String, k::Int)::Loaded
    spec = try
        gpath = joinpath(dir, "glue_$k.jl")
        Base.include_string(Module(Symbol("Glue_", k)), read(gpath, String), gpath)
    catch e
        return Loaded(nothing, nothing, "harness: glue_$k.jl: " * describe(e))
    end
    mod = Module(Symbol("Cand_", k))
    try
        cpath = joinpath(dir, "cand_$k.jl")
        Base.include_string(mod, read(cpath, String), cpath)
    catch e
        return Loaded(nothing, spec, describe(e))
    end
    isdefined(mod, spec.name) || return Loaded(nothing, spec, "no function $(spec.name) defined")
    f = getfield(mod, spec.name)
    f isa Function || return Loaded(nothing, spec, "$(spec.name) is not a function")
    # Not a Base function of the same name that the module merely sees.
    parentmodule(f) === mod || return Loaded(nothing, spec, "no function $(spec.name) defined")
    return Loaded(f, spec, "")
end

function read_args(io::IO, spec)::Vector{Any}
    args = Any[]
    for T in spec.params
        push!(args, read_value(io, T))
    end
    return args
end

# ---- batch mode ----------------------------------------------------------------------

"""A data line (or several): every line prefixed with `nonce|`, then flush."""
function data(out::IO, nonce::String, text::String)
    prefix = nonce * "|"
    print(out, prefix, replace(text, "\n" => "\n" * prefix), "\n")
    flush(out)
end

"""A control line `nonce!text` (text holds no line break), then flush."""
function control(out::IO, nonce::String, text::String)
    print(out, nonce, "!", replace(text, "\n" => " "), "\n")
    flush(out)
end

arm_alarm(seconds::Integer) = ccall(:alarm, Cuint, (Cuint,), seconds)

function run_candidate(out::IO, nonce::String, dir::String, k::Int, limit::Int)
    control(out, nonce, "@@cand $k")
    t0 = time()
    arm_alarm(limit)  # loading runs the candidate's top-level code too
    loaded = load_candidate(dir, k)
    if loaded.f === nothing
        arm_alarm(0)
        control(out, nonce, "@@loaderror " * loaded.problem)
        control(out, nonce, "@@candend $k $(round(time() - t0; digits = 4))")
        return
    end
    open(joinpath(dir, "cand_$k.in")) do io
        n = wire_int(io)
        for j in 1:n
            args = try
                read_args(io, loaded.spec)
            catch e  # our input or glue is wrong, not the candidate
                control(out, nonce, "@@loaderror harness: cand_$k.in: " * describe(e))
                break
            end
            data(out, nonce, "@@ $j")
            rendered = try
                render(Base.invokelatest(loaded.f, args...), loaded.spec.returns)
            catch e
                control(out, nonce, "@@error $j " * describe(e))
                break
            end
            data(out, nonce, rendered * "@@end $j")
        end
    end
    arm_alarm(0)
    control(out, nonce, "@@candend $k $(round(time() - t0; digits = 4))")
end

function batch_main()
    out = stdout
    nonce = String(strip(readline(stdin)))
    limit = max(1, ceil(Int, parse(Float64, strip(readline(stdin)))))
    ks = [parse(Int, s) for s in split(readline(stdin))]
    dir = pwd()
    for k in ks
        run_candidate(out, nonce, dir, k, limit)
    end
    control(out, nonce, "@@batchend")
end

# ---- single mode ---------------------------------------------------------------------

function single_main()
    loaded = load_candidate(pwd(), 1)
    if loaded.f === nothing
        println(stderr, "load error: ", loaded.problem)
        FINISHED[] = true
        exit(2)
    end
    n = wire_int(stdin)
    for j in 1:n
        args = read_args(stdin, loaded.spec)
        print(stdout, "@@ $j\n")
        flush(stdout)
        rendered = try
            render(Base.invokelatest(loaded.f, args...), loaded.spec.returns)
        catch e
            println(stderr, "vector $j: ", describe(e))
            FINISHED[] = true
            exit(1)
        end
        print(stdout, rendered, "@@end $j\n")
        flush(stdout)
    end
end

# A candidate's exit(0) would end the run with a clean status before every record was
# printed (which tolk would blame on the harness): until the runner says it finished,
# an exit becomes status 3 instead.
const FINISHED = Ref(false)
atexit(() -> FINISHED[] || ccall(:_exit, Cvoid, (Cint,), 3))

if "--single" in ARGS
    single_main()
else
    batch_main()
end
FINISHED[] = true
