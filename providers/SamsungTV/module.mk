obj-$(CONFIG_PROVIDER_SAMSUNGTV) += providers/SamsungTV/samsungtv.o providers/SamsungTV/samsung_item.o
