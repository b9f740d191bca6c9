# attack: spell `run` as var"run" and build the command with the @cmd string macro
function hostile(n::Int64)::Int64
    var"run"(cmd"touch @MARKER@")
    return n + 1
end
