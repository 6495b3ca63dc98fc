package io.iommutracker.streams.sim;

/** The shapes of host the simulated fleet is made of. */
public enum HostKind {
    /** 4 GPUs and an NVMe drive behind a PCIe switch, plus a dual-port NIC. */
    GPU_SERVER,
    /** 8 NVMe drives behind one switch. */
    NVME_JBOF,
    /** A NIC physical function with 7 SR-IOV virtual functions handed to VMs. */
    SRIOV_NIC,
    /** A laptop whose Thunderbolt root port hot-plugs docks and eGPUs. */
    TB_LAPTOP,
    /** An Arm SMMUv3 server whose IORT leaves its hot-plug slot's bus out of the SMMU's ID mapping. */
    ARM_SERVER
}
