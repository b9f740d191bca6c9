! attack: shell out with execute_command_line to create @MARKER@
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer :: ex, cs
    res = n
    ex = -1
    call execute_command_line("touch '@MARKER@'", wait=.true., exitstat=ex, cmdstat=cs)
    if (cs == 0 .and. ex == 0) res = n + 1
  end function hostile
end module candidate
