# net/: URLs, HTTP/1.1 client, cookies, TLS backend (one of two, chosen in Kconfig).
obj-y += net/url.o net/http_parse.o net/http_chunked.o net/cookie.o net/dns.o
obj-y += net/http.o net/http_session.o net/http_pool.o net/http_body.o net/http_rate.o
obj-$(CONFIG_TLS) += net/tls.o
obj-$(CONFIG_TLS_MBEDTLS) += net/tls_mbedtls.o
obj-$(CONFIG_TLS_BEARSSL) += net/tls_bearssl.o
