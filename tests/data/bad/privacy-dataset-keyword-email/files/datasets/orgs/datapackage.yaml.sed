description: 演示数据集。=>description: 演示数据集。
keywords: [zhang.san@qq.com]