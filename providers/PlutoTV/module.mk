obj-$(CONFIG_PROVIDER_PLUTOTV) += providers/PlutoTV/plutotv.o providers/PlutoTV/pluto_item.o
