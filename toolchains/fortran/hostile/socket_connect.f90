! attack: open a TCP connection to a listener on the host's loopback (@PORT@), C interop
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use, intrinsic :: iso_c_binding, only: c_int, c_int8_t
  implicit none
  private
  public :: hostile
  interface
    function c_socket(d, t, p) bind(c, name="socket")
      import :: c_int
      integer(c_int), value :: d, t, p
      integer(c_int) :: c_socket
    end function c_socket
    function c_connect(fd, addr, alen) bind(c, name="connect")
      import :: c_int, c_int8_t
      integer(c_int), value :: fd
      integer(c_int8_t), intent(in) :: addr(16)
      integer(c_int), value :: alen
      integer(c_int) :: c_connect
    end function c_connect
  end interface
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(c_int) :: fd
    integer(c_int8_t) :: sa(16)
    integer :: port
    port = @PORT@
    sa = 0_c_int8_t
    sa(1) = 2_c_int8_t  ! AF_INET (little-endian sa_family)
    sa(3) = int(merge(port / 256 - 256, port / 256, port / 256 > 127), c_int8_t)
    sa(4) = int(merge(mod(port, 256) - 256, mod(port, 256), mod(port, 256) > 127), c_int8_t)
    sa(5) = 127_c_int8_t
    sa(8) = 1_c_int8_t
    res = n
    fd = c_socket(2_c_int, 1_c_int, 0_c_int)
    if (fd < 0) return
    if (c_connect(fd, sa, 16_c_int) == 0) res = n + 1
  end function hostile
end module candidate
