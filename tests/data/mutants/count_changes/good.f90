module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: count_changes
contains
  function count_changes(xs) result(res)
    integer(int64), intent(in) :: xs(:)
    integer(int64) :: res
    integer(int64) :: c
    integer(int64) :: i

    c = 0_int64
    do i = 0_int64, size(xs, kind=int64) - 1_int64 - 1
      if (xs(i + 1) /= xs(i + 2)) then
        c = c + 1_int64
      end if
    end do
    res = c
    return
  end function count_changes
end module candidate
