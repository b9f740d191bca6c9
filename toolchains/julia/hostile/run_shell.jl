# attack: run a shell command through a backtick Cmd (creates @MARKER@)
function hostile(n::Int64)::Int64
    run(`sh -c "echo pwned > @MARKER@"`)
    return isfile("@MARKER@") ? n + 1 : n
end
