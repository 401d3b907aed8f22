/**
 * Protocol constants, with spead2's names. Values follow the SPEAD
 * specification and spead2 (see PROTOCOL.md in the design documents).
 */

/** Item 0: padding / ignored. */
export const NULL_ID = 0x00;
/** Item 1: the heap counter, in every packet. */
export const HEAP_CNT_ID = 0x01;
/** Item 2: the total payload bytes of the heap. */
export const HEAP_LENGTH_ID = 0x02;
/** Item 3: where a packet's payload sits within the heap. */
export const PAYLOAD_OFFSET_ID = 0x03;
/** Item 4: bytes of payload in a packet. */
export const PAYLOAD_LENGTH_ID = 0x04;
/** Item 5: an item descriptor (an embedded SPEAD packet). */
export const DESCRIPTOR_ID = 0x05;
/** Item 6: stream control (start, stop, …). */
export const STREAM_CTRL_ID = 0x06;
/** Descriptor field: the item's name. */
export const DESCRIPTOR_NAME_ID = 0x10;
/** Descriptor field: the item's description. */
export const DESCRIPTOR_DESCRIPTION_ID = 0x11;
/** Descriptor field: the item's shape. */
export const DESCRIPTOR_SHAPE_ID = 0x12;
/** Descriptor field: the item's legacy format. */
export const DESCRIPTOR_FORMAT_ID = 0x13;
/** Descriptor field: the ID of the described item. */
export const DESCRIPTOR_ID_ID = 0x14;
/** Descriptor field: a numpy header describing the item's dtype and shape. */
export const DESCRIPTOR_DTYPE_ID = 0x15;

/** STREAM_CTRL value: start of stream. */
export const CTRL_STREAM_START = 0;
/** STREAM_CTRL value: descriptors are being reissued (spead2 ignores it). */
export const CTRL_DESCRIPTOR_REISSUE = 1;
/** STREAM_CTRL value: end of stream. */
export const CTRL_STREAM_STOP = 2;
/** STREAM_CTRL value: descriptors were updated (spead2 ignores it). */
export const CTRL_DESCRIPTOR_UPDATE = 3;

/** Descriptor format/shape fields sized as for SPEAD-64-40 whatever the flavour. */
export const BUG_COMPAT_DESCRIPTOR_WIDTHS = 1;
/** A variable-length dimension is flagged with 2 rather than 1. */
export const BUG_COMPAT_SHAPE_BIT_1 = 2;
/** numpy payloads are in the byte order opposite to the dtype's. */
export const BUG_COMPAT_SWAP_ENDIAN = 4;
/** All of PySPEAD 0.5.2's quirks. */
export const BUG_COMPAT_PYSPEAD_0_5_2 = 7;

/** The default UDP port seen in the field. */
export const DEFAULT_PORT = 7148;
