# attack: redefine Base.convert(Int64, ::Int64) (type piracy) to corrupt the harness's results [static-only: inside the process, only the checks see it]
Base.convert(::Type{Int64}, x::Int64) = Core.Intrinsics.add_int(x, 1)

function hostile(n::Int64)::Int64
    return n
end
