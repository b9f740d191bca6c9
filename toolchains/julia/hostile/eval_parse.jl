# attack: evaluate a parsed string, hiding `run` from a text scan (creates @MARKER@)
function hostile(n::Int64)::Int64
    code = "r" * "un(`touch @MARKER@`)"
    eval(Meta.parse(code))
    return n + 1
end
