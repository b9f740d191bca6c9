! attack: read the harness's remaining input so its next read fails (desynchronise the wire)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64, input_unit
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: skipped
    integer :: st
    character(len=64) :: line
    skipped = 0
    do
      read(input_unit, '(A)', iostat=st) line
      if (st /= 0) exit
      skipped = skipped + 1
    end do
    res = n
    if (skipped > 0) res = n + 1
  end function hostile
end module candidate
