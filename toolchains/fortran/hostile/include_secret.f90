! attack: include the secret file (@SECRET@) to leak it through compiler diagnostics
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    include '@SECRET@'
    res = n + 1
  end function hostile
end module candidate
