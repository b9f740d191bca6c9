! attack: fill the sandbox's RAM-backed /tmp (many files each under the file-size limit)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer :: u, st, f, k
    character(len=32) :: name
    character(len=1048576) :: block
    res = n
    block = repeat('x', len(block))
    ! 192 files of 8 MiB: 1.5 GiB of host memory, past the run's 1 GiB RLIMIT_AS, unless
    ! something bounds the tmpfs.
    do f = 1, 192
      write(name, '(A,I0)') '/tmp/fill', f
      open(newunit=u, file=trim(name), status='replace', access='stream', iostat=st)
      if (st /= 0) return
      do k = 1, 8
        write(u, iostat=st) block
        if (st /= 0) return
      end do
      close(u)
    end do
    res = n + 1
  end function hostile
end module candidate
