/* The Identification API's signature, through OpenSSL's libcrypto. */
#ifndef ACR_SIGN_H
#define ACR_SIGN_H

#include <stddef.h>

#define ACR_SHA1_SIZE 20

/* HMAC-SHA1 of data under key into out. Returns 0, or -1. */
int acr_hmac_sha1(const void *key, size_t key_len, const void *data,
                  size_t data_len, unsigned char out[ACR_SHA1_SIZE]);

/* Base64 of in into out, which holds 4 * ((len + 2) / 3) + 1 bytes. Returns
 * the length written (without the terminating NUL). */
size_t acr_base64(const unsigned char *in, size_t len, char *out);

#endif
