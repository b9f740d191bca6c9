! attack: read the validator's environment (TOLK_HOSTILE_CANARY, set by the test)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer :: length, st
    res = n
    call get_environment_variable("TOLK_HOSTILE_CANARY", length=length, status=st)
    if (st == 0 .and. length > 0) res = n + 1
  end function hostile
end module candidate
