# attack: fetch Base.run by a computed symbol (getfield) and run a command
function hostile(n::Int64)::Int64
    f = getfield(Base, Symbol("r" * "un"))
    f(Cmd(["touch", "@MARKER@"]))
    return n + 1
end
