# attack: spin forever without allocating (pure runtime: no GC safepoint, alarm must end it)
function hostile(n::Int64)::Int64
    k = n
    while k != typemin(Int64) + 1  # never true for the values reached
        k = mod(k * 7 + 3, 1_000_003)
    end
    return n + 1
end
