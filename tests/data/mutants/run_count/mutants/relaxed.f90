! mutant relaxed: comparison relaxed
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: run_count
contains
  function run_count(xs) result(res)
    integer(int64), intent(in) :: xs(:)
    integer(int64) :: res
    integer(int64) :: runs
    integer(int64) :: i

    if (size(xs, kind=int64) == 0_int64) then
      res = 0_int64
      return
    end if
    runs = 1_int64
    do i = 1_int64, size(xs, kind=int64) - 1
      if (abs(xs(i + 1) - xs(i)) > 1_int64) then
        runs = runs + 1_int64
      end if
    end do
    res = runs
    return
  end function run_count
end module candidate
