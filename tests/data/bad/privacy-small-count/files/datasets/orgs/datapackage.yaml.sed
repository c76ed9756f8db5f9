        - {name: staff}
=>        - {name: staff}
        - name: headcount
          title: 学生人数
          type: integer
          description: 人数。
          sensitivity: 公开
          statistic: count
