/* The peer for the HTTP/3 benchmarks: one URL fetched with libcurl over
 * HTTP/3 only (CURL_HTTP_VERSION_3ONLY), the body to stdout, certificates
 * not checked (as -k). With a second argument, FILE is uploaded as a PUT
 * (as curl -T FILE). Debian's curl command has no HTTP/3; bookworm-backports'
 * libcurl3-gnutls 8.14 has (ngtcp2 + nghttp3 + GnuTLS, the stack sluice uses).
 * Exit status: the CURLcode. Built by bench-scripts/h3_lib.sh. */
#include <curl/curl.h>
#include <stdio.h>

static size_t write_body(char* data, size_t size, size_t n, void* user) {
  (void)user;
  return fwrite(data, size, n, stdout);
}

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: %s URL [UPLOAD_FILE]\n", argv[0]);
    return 2;
  }
  FILE* upload = NULL;
  if (argc == 3 && !(upload = fopen(argv[2], "rb"))) {
    perror(argv[2]);
    return 26;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, argv[1]);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_3ONLY);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  if (upload) {
    fseek(upload, 0, SEEK_END);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)ftell(upload));
    rewind(upload);
    curl_easy_setopt(c, CURLOPT_READDATA, upload); /* fread by default */
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) fprintf(stderr, "curl_h3_get: %s\n", curl_easy_strerror(rc));
  curl_easy_cleanup(c);
  curl_global_cleanup();
  if (upload) fclose(upload);
  return (int)rc;
}
