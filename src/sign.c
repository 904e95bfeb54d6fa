#include "sign.h"

#include <limits.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

int acr_hmac_sha1(const void *key, size_t key_len, const void *data,
                  size_t data_len, unsigned char out[ACR_SHA1_SIZE]) {
  unsigned int len = 0;
  if (key_len > INT_MAX) return -1;
  if (!HMAC(EVP_sha1(), key, (int)key_len, data, data_len, out, &len))
    return -1;
  return len == ACR_SHA1_SIZE ? 0 : -1;
}

size_t acr_base64(const unsigned char *in, size_t len, char *out) {
  if (len > INT_MAX / 4 * 3) return 0;
  return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}
