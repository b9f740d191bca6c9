! attack: compile-time CPU bomb (parameter arrays built by implied-do loops, folded by the compiler)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
  integer :: i
  integer(int64), parameter :: a1(*) = [(int(i, int64), i = 1, 65535)]
  integer(int64), parameter :: a2(*) = [(a1(i) * a1(i), i = 1, 65535)]
  integer(int64), parameter :: a3(*) = [(a2(i) + a1(i), i = 1, 65535)]
  integer(int64), parameter :: a4(*) = [(a3(i) - a2(i), i = 1, 65535)]
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n + 1 + sum(a4) - sum(a1)
  end function hostile
end module candidate
