# net/: URLs, HTTP/1.1 client, cookies, TLS backend (one of two, chosen in Kconfig).
obj-y += net/url.o net/http_parse.o net/http_chunked.o net/cookie.o net/http.o net/dns.o
obj-$(CONFIG_TLS) += net/tls.o
obj-$(CONFIG_TLS_MBEDTLS) += net/tls_mbedtls.o
obj-$(CONFIG_TLS_BEARSSL) += net/tls_bearssl.o
