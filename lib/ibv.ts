/**
 * ibverbs (kernel-bypass UDP on RDMA-capable NICs): whether it can be used here.
 */
import { native } from './native';

/** The result of `ibvAvailable()`. */
export interface IbvAvailability {
  /** True when libibverbs/librdmacm load and at least one RDMA device exists. */
  readonly available: boolean;
  /** Why ibverbs cannot be used (empty when it can). */
  readonly reason: string;
}

/**
 * Reports whether the ibverbs transports (`recv.Stream.addUdpIbvReader`,
 * `send.UdpIbvStream`) can work on this machine: the addon was built with the
 * ibverbs headers, the libraries load, and there is an RDMA device.
 *
 * @example
 * const { available, reason } = ibvAvailable();
 * if (!available) console.log(`no ibverbs: ${reason}`);
 */
export function ibvAvailable(): IbvAvailability {
  return native.ibvAvailable();
}
