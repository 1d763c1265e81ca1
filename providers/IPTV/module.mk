obj-$(CONFIG_PROVIDER_IPTV) += providers/IPTV/iptv.o providers/IPTV/iptv_probe.o
