# attack: exhaust host memory (pure runtime: the sandbox's limits must stop it)
function hostile(n::Int64)::Int64
    hoard = Vector{Vector{Int64}}()
    for _ in 1:100_000
        push!(hoard, fill(n, 1 << 24))  # 128 MiB each, touched
    end
    return length(hoard) == 100_000 ? n + 1 : n
end
