# attack: sleep past the time limit (pure runtime: the per-candidate alarm must end it)
function hostile(n::Int64)::Int64
    sleep(3600)
    return n + 1
end
