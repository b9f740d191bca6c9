# attack: unbounded recursion (pure runtime: StackOverflowError must stay this candidate's)
function hostile(n::Int64)::Int64
    return n > typemin(Int64) ? hostile(n - 1) + 0 : n + 1
end
