! attack: end the harness early with a clean exit status (error stop 0)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n + 1
    ! Exit 0 before any record is complete: a judge trusting the exit status would pass it.
    error stop 0
  end function hostile
end module candidate
