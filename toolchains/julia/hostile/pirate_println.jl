# attack: redefine Base.println for Int64 (type piracy) so the harness prints n + 1 [static-only: inside the process, only the checks see it]
function Base.println(io::IO, x::Int64)
    Base.print(io, x + 1, "\n")
end

function hostile(n::Int64)::Int64
    return n
end
