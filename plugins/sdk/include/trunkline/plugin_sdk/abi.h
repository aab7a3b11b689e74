/* The trunkline plugin ABI: the only thing a plugin and the host share.
 *
 * Plain C, so that a plugin built out of tree, by another compiler or another standard
 * library, still loads. Nothing C++ crosses this line: no std types, no exceptions, no
 * allocation freed on the other side. Structured data crosses as msgpack byte buffers.
 * The rules for changing this file are in plugins/sdk/ABI.md.
 *
 * A plugin is a shared library that exports one function, TRUNKLINE_PLUGIN_ENTRY_SYMBOL,
 * returning a pointer to a constant descriptor that lives as long as the library.
 *
 * Ownership: a tl_bytes handed to a plugin function is borrowed for the call. A
 * tl_owned_bytes returned by a plugin is owned by the plugin and must be given back through
 * the descriptor's free_bytes. A tl_plugin made by create must be destroyed by destroy, before
 * the library is unloaded.
 *
 * Thread-safety: the host calls the functions of one tl_plugin from one thread at a time.
 */
#ifndef TRUNKLINE_PLUGIN_SDK_ABI_H_
#define TRUNKLINE_PLUGIN_SDK_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRUNKLINE_PLUGIN_ABI_MAJOR 1
#define TRUNKLINE_PLUGIN_ABI_MINOR 1
#define TRUNKLINE_PLUGIN_ENTRY_SYMBOL "trunkline_plugin_entry"

/* Capability bits. */
#define TRUNKLINE_PLUGIN_CAP_SCHEMA 0x1u /* describe_schema and check_rules work */
#define TRUNKLINE_PLUGIN_CAP_SYNC 0x2u   /* sync_plan and sync_absorb work (ABI 1.1) */

/* Borrowed bytes. */
typedef struct tl_bytes {
  const uint8_t* data;
  size_t size;
} tl_bytes;

/* Bytes owned by the plugin; return them with tl_plugin_descriptor.free_bytes. */
typedef struct tl_owned_bytes {
  uint8_t* data;
  size_t size;
} tl_owned_bytes;

/* The outcome of a plugin call. code uses trunkline's status numbering (0 = OK, 3 = invalid
 * argument, 13 = internal, ...). On OK, value holds the answer; otherwise message holds a
 * UTF-8 explanation. Either may be empty. */
typedef struct tl_result {
  int32_t code;
  tl_owned_bytes message;
  tl_owned_bytes value;
} tl_result;

typedef struct tl_plugin tl_plugin; /* an instance, opaque to the host */

typedef struct tl_plugin_descriptor {
  /* ABI 1.0 */
  uint32_t size; /* sizeof(tl_plugin_descriptor) as the plugin was built */
  uint16_t abi_major;
  uint16_t abi_minor;
  const char* provider_id;    /* e.g. "twilio": lower case letters, digits, '-' */
  const char* plugin_version; /* e.g. "1.2.0" */
  uint64_t capabilities;      /* TRUNKLINE_PLUGIN_CAP_* */

  /* Makes an instance from a msgpack map of settings (may be empty). On failure returns
   * a non-zero code in result.code with result.message set, and leaves *out NULL. */
  tl_result (*create)(tl_bytes config, tl_plugin** out);
  void (*destroy)(tl_plugin* plugin);
  void (*free_bytes)(tl_owned_bytes bytes);

  /* The provider's schema, as msgpack (grammar in ABI.md). */
  tl_result (*describe_schema)(tl_plugin* plugin);
  /* Checks a proposed trunk (msgpack) against the provider's cross-field rules; value is a
   * msgpack array of violations (empty when the trunk is acceptable). */
  tl_result (*check_rules)(tl_plugin* plugin, tl_bytes trunk);

  /* ABI 1.1: the sync functions (capability SYNC). Sans-IO: they never do I/O, never see
   * credentials and never read a clock. Payload grammar in ABI.md and sync_codec.h. */

  /* Given a msgpack map {desired, observation}, the requests to send next, as
   * {steps: [step*]}; no step means converged. With desired nil, the steps of an import
   * scan (listing the account's remote trunks). */
  tl_result (*sync_plan)(tl_plugin* plugin, tl_bytes input);
  /* Given {desired, observation, step, response}, the new observation, as {observation}, or
   * a classified provider error, as {error}. */
  tl_result (*sync_absorb)(tl_plugin* plugin, tl_bytes input);
  /* Later minors append members here; the host reads them only when size covers them. */
} tl_plugin_descriptor;

/* The smallest descriptor the host accepts for ABI 1.0. */
#define TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0 \
  (offsetof(tl_plugin_descriptor, check_rules) + sizeof(void*))

/* The smallest descriptor with the ABI 1.1 sync functions. */
#define TRUNKLINE_PLUGIN_DESCRIPTOR_MIN_SIZE_1_1 \
  (offsetof(tl_plugin_descriptor, sync_absorb) + sizeof(void*))

typedef const tl_plugin_descriptor* (*tl_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TRUNKLINE_PLUGIN_SDK_ABI_H_ */
